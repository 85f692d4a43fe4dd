using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiles.Tests.Model;

public class FrameLabelsTests
{
    private static List<string> Labels(OtlpRequestBuilder b, int location)
    {
        var labels = new List<string>();
        FrameLabels.Append(new DictionaryView(b.Dictionary), b.Dictionary.LocationTable[location], labels);
        return labels;
    }

    [Fact]
    public void Each_line_is_a_frame_innermost_first()
    {
        var b = new OtlpRequestBuilder();
        Assert.Equal(["inlined", "caller"], Labels(b, b.Location("inlined", "caller")));
    }

    [Fact]
    public void Name_then_system_name_then_file_and_line()
    {
        var b = new OtlpRequestBuilder();
        var location = new Location();
        location.Lines.Add(new Line { FunctionIndex = b.Function("", "_ZN3foo3barEv") });
        location.Lines.Add(new Line { FunctionIndex = b.Function("", "", "src/app.py"), Line_ = 42 });
        location.Lines.Add(new Line { FunctionIndex = b.Function("named", "sys", "file") });
        Assert.Equal(["_ZN3foo3barEv", "src/app.py:42", "named"], Labels(b, b.AddLocation(location)));
    }

    [Fact]
    public void Location_without_lines_is_mapping_basename_plus_address()
    {
        var b = new OtlpRequestBuilder();
        Assert.Equal(["libc.so.6+0x1a2b3c"], Labels(b, b.AddressLocation(b.Mapping("/usr/lib/x86_64-linux-gnu/libc.so.6"), 0x1A2B3C)));
        Assert.Equal(["0xdeadbeef"], Labels(b, b.AddressLocation(0, 0xDEADBEEF)));
        Assert.Equal(["app+0x0"], Labels(b, b.AddressLocation(b.Mapping("app"), 0)));
    }
}
