using OdigosUi.Profiles.Model;

namespace OdigosUi.Profiles.Tests.Model;

public class ProfileTypeTests
{
    [Fact]
    public void Formats_and_parses()
    {
        Assert.Equal("samples:count:cpu:nanoseconds", ProfileType.Cpu.ToString());
        Assert.Equal(ProfileType.Cpu, ProfileType.Parse("samples:count:cpu:nanoseconds"));
        Assert.False(ProfileType.TryParse("samples:count", out _));
        Assert.Throws<FormatException>(() => ProfileType.Parse(":a:b:c"));
    }

    [Fact]
    public void Default_prefers_the_cpu_type()
    {
        var alloc = ProfileType.Parse("alloc_space:bytes:space:bytes");
        var cpuNs = ProfileType.Parse("cpu:nanoseconds:cpu:nanoseconds");
        Assert.Equal(ProfileType.Cpu, ProfileType.PickDefault([alloc, cpuNs, ProfileType.Cpu]));
        Assert.Equal(cpuNs, ProfileType.PickDefault([alloc, cpuNs]));
        Assert.Equal(alloc, ProfileType.PickDefault([alloc]));
        Assert.Null(ProfileType.PickDefault([]));
    }
}
