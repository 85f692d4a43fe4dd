using System.Text;
using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Tests;

public sealed class SymbolTableTests
{
    [Fact]
    public void Finds_symbols_added_in_any_order_with_sizes_nesting_and_open_ended_ones()
    {
        var table = SymbolTable.From([
            new Symbol(0x3000, 0, "open_ended"),
            new Symbol(0x1000, 0x100, "outer"),
            new Symbol(0x1040, 0x10, "inner"),
            new Symbol(0x2000, 0x10, "sized"),
        ]);

        Assert.Equal("outer", table.FindName(0x1000));
        Assert.Equal("inner", table.FindName(0x1045));
        Assert.Equal("outer", table.FindName(0x1080));
        Assert.Null(table.FindName(0x1100));
        Assert.Equal("sized", table.FindName(0x200f));
        Assert.Null(table.FindName(0x2010));
        Assert.Equal("open_ended", table.FindName(0x9999));
        Assert.Null(table.FindName(0xfff));
        Assert.Equal([0x1000UL, 0x1040UL, 0x2000UL, 0x3000UL], table.Symbols.Select(s => s.Address));
    }

    [Fact]
    public void At_the_same_address_the_symbol_added_last_wins_and_names_are_decoded_once()
    {
        var builder = new SymbolTable.Builder(capacity: 4, nameBytes: 10);
        foreach (var (address, name) in new[] { (0x20UL, "b"), (0x10UL, "first"), (0x30UL, "c"), (0x10UL, "second") })
        {
            builder.Add(address, 0x10, Encoding.UTF8.GetBytes(name));
        }

        var table = builder.Build();

        Assert.Equal("second", table.FindName(0x15));
        Assert.Same(table.FindName(0x15), table.FindName(0x18));
        Assert.Equal(4, table.Count);
        Assert.Equal(13, table.NameBytes);

        var copy = new SymbolTable.Builder();
        copy.AddAll(table);
        copy.Add(0x30, 0x10, "newer"u8);
        var merged = copy.Build();
        Assert.Equal("second", merged.FindName(0x15));
        Assert.Equal("newer", merged.FindName(0x35));
        Assert.Equal("b", merged.FindName(0x25));
    }
}
