using System.Text;
using Google.Protobuf;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Formats.Pprof;
using PprofProto = OdigosUi.Profiles.Pprof.Proto;

namespace OdigosUi.Profiles.Tests.Formats;

/// <summary>
/// pprof as some .NET profilers write it: every function id 0, one function per location in the same order, and
/// lines that name the location's own id as their function. Pyroscope repairs it; so do we.
/// </summary>
public class PprofBrokenDotnetIdsTests
{
    // Out of order on purpose: only "function i takes the id of location i" gives each line its own function.
    private static readonly ulong[] LocationIds = [30, 10, 20];
    private static readonly string[] FunctionNames = ["Worker.Compute", "Program.Main", "Worker.Run"];

    [Fact]
    public void Function_i_takes_the_id_of_location_i_and_lines_resolve()
    {
        var result = ProfileConverter.Convert(BrokenDotnetProfile().ToByteArray(), OutputFormat.Folded, "samples:count:cpu:nanoseconds");

        Assert.Equal(
            "Program.Main;Worker.Run 2\n" +
            "Program.Main;Worker.Run;Worker.Compute 6\n",
            Encoding.UTF8.GetString(result.Output));
    }

    [Fact]
    public void Is_not_repaired_when_the_function_count_differs_from_the_location_count()
    {
        var source = BrokenDotnetProfile();
        source.Function.Add(new PprofProto.Function { Name = 1 });

        var error = Assert.Throws<ProfileFormatException>(() => PprofReader.Read(source.ToByteArray()));

        Assert.Equal("pprof: function[0]: id 0 is reserved", error.Message);
    }

    [Fact]
    public void Is_not_repaired_when_some_function_has_an_id()
    {
        var source = BrokenDotnetProfile();
        source.Function[0].Id = 30;

        var error = Assert.Throws<ProfileFormatException>(() => PprofReader.Read(source.ToByteArray()));

        Assert.Equal("pprof: function[1]: id 0 is reserved", error.Message);
    }

    private static PprofProto.Profile BrokenDotnetProfile()
    {
        var profile = new PprofProto.Profile
        {
            StringTable = { "", "samples", "count", "cpu", "nanoseconds" },
            SampleType = { new PprofProto.ValueType { Type = 1, Unit = 2 } },
            PeriodType = new PprofProto.ValueType { Type = 3, Unit = 4 },
            Period = 10_000_000,
        };
        for (var i = 0; i < LocationIds.Length; i++)
        {
            profile.StringTable.Add(FunctionNames[i]);
            profile.Function.Add(new PprofProto.Function { Id = 0, Name = profile.StringTable.Count - 1 });
            profile.Location.Add(new PprofProto.Location
            {
                Id = LocationIds[i],
                Line = { new PprofProto.Line { FunctionId = LocationIds[i] } },
            });
        }

        // Leaf first: Compute (30) <- Run (20) <- Main (10).
        profile.Sample.Add(new PprofProto.Sample { LocationId = { 30, 20, 10 }, Value = { 5 } });
        profile.Sample.Add(new PprofProto.Sample { LocationId = { 20, 10 }, Value = { 2 } });
        profile.Sample.Add(new PprofProto.Sample { LocationId = { 30, 20, 10 }, Value = { 1 } });
        return profile;
    }
}
