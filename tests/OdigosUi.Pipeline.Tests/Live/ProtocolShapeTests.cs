using MessagePack;
using OdigosUi.Pipeline.Live;

namespace OdigosUi.Pipeline.Tests.Live;

/// <summary>The wire shape docs/live-protocol.md fixes for the TypeScript client: arrays indexed by key.</summary>
public class ProtocolShapeTests
{
    [Fact]
    public void An_update_is_an_array_of_eighteen_fields_in_protocol_order()
    {
        var update = new ProfileUpdate
        {
            Seq = 7,
            Reset = true,
            ProfileType = "samples:count:cpu:nanoseconds",
            AvailableTypes = ["samples:count:cpu:nanoseconds"],
            FrameStart = 2,
            FrameLabels = ["main", "work"],
            FrameKinds = ["native", ""],
            NodeStart = 3,
            NodeParents = [0, 3],
            NodeFrames = [2, 3],
            ChangedNodes = [4],
            SelfDeltas = [-5],
            TotalValue = 100,
            SampleCount = 10,
            DroppedSamples = 1,
            Closed = false,
            Unit = "count",
            Period = 52_631_578,
        };

        var fields = MessagePackSerializer.Deserialize<object?[]>(MessagePackSerializer.Serialize(update));

        Assert.Equal(18, fields.Length);
        Assert.Equal(7L, Convert.ToInt64(fields[0]));
        Assert.Equal(true, fields[1]);
        Assert.Equal("samples:count:cpu:nanoseconds", fields[2]);
        Assert.Equal(["samples:count:cpu:nanoseconds"], ((object[])fields[3]!).Cast<string>());
        Assert.Equal(2L, Convert.ToInt64(fields[4]));
        Assert.Equal(["main", "work"], ((object[])fields[5]!).Cast<string>());
        Assert.Equal(["native", ""], ((object[])fields[6]!).Cast<string>());
        Assert.Equal(3L, Convert.ToInt64(fields[7]));
        Assert.Equal([0L, 3L], ((object[])fields[8]!).Select(Convert.ToInt64));
        Assert.Equal([2L, 3L], ((object[])fields[9]!).Select(Convert.ToInt64));
        Assert.Equal([4L], ((object[])fields[10]!).Select(Convert.ToInt64));
        Assert.Equal([-5L], ((object[])fields[11]!).Select(Convert.ToInt64));
        Assert.Equal(100L, Convert.ToInt64(fields[12]));
        Assert.Equal(10L, Convert.ToInt64(fields[13]));
        Assert.Equal(1L, Convert.ToInt64(fields[14]));
        Assert.Equal(false, fields[15]);
        Assert.Equal("count", fields[16]);
        Assert.Equal(52_631_578L, Convert.ToInt64(fields[17]));
    }

    [Fact]
    public void A_profile_type_of_null_is_sent_as_nil()
    {
        var fields = MessagePackSerializer.Deserialize<object?[]>(MessagePackSerializer.Serialize(new ProfileUpdate()));
        Assert.Null(fields[2]);
        Assert.Equal(1L, Convert.ToInt64(fields[7]));
    }

    [Fact]
    public void A_watch_result_is_ok_and_error()
    {
        var failed = MessagePackSerializer.Deserialize<object?[]>(MessagePackSerializer.Serialize(WatchResult.Fail("profiling is disabled")));
        Assert.Equal([false, "profiling is disabled"], failed);
        var ok = MessagePackSerializer.Deserialize<object?[]>(MessagePackSerializer.Serialize(WatchResult.Success()));
        Assert.Equal([true, null], ok);
    }
}
