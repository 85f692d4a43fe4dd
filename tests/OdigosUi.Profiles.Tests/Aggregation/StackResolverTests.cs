using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Model;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiles.Tests.Aggregation;

public class StackResolverTests
{
    private const long Now = 1_700_000_000_000_000_000;

    [Fact]
    public void Without_new_stacks_no_frame_is_interned_and_the_same_resolver_can_intern_later()
    {
        var frames = new FrameTable();
        var tree = new ProfileTree(frames, ProfileType.Cpu, AggregationOptions.Default);
        var first = new OtlpRequestBuilder();
        OtlpRequestBuilder.AddSample(first.Profile(ProfileBombs.Attributes), first.StackOf("b", "a"), 1);
        var known = ProfileBatch.Create(first.Request);
        using (var resolver = new StackResolver(known.Dictionary, frames))
        {
            ProfileBatch.AddTo(tree, known.Profiles[0], resolver, Now);
        }

        var next = new OtlpRequestBuilder();
        var profile = next.Profile(ProfileBombs.Attributes);
        OtlpRequestBuilder.AddSample(profile, next.StackOf("b", "a"), 2);
        OtlpRequestBuilder.AddSample(profile, next.StackOf("c", "a"), 3);
        var batch = ProfileBatch.Create(next.Request);
        using var lookups = new StackResolver(batch.Dictionary, frames);

        Assert.Equal((1, 1), ProfileBatch.AddTo(tree, batch.Profiles[0], lookups, Now, allowNewStacks: false));
        Assert.Equal(2, frames.Count);
        Assert.Equal(3, tree.TotalValue);

        Assert.Equal((2, 0), ProfileBatch.AddTo(tree, batch.Profiles[0], lookups, Now, allowNewStacks: true));
        Assert.Equal(3, frames.Count);
        Assert.Equal(8, tree.TotalValue);
    }

    [Fact]
    public void A_truncated_stack_is_found_again_without_interning()
    {
        var frames = new FrameTable();
        var tree = new ProfileTree(frames, ProfileType.Cpu, AggregationOptions.Default);
        var deep = ProfileBatch.Create(ProfileBombs.DeepStack(3000));
        using (var resolver = new StackResolver(deep.Dictionary, frames))
        {
            ProfileBatch.AddTo(tree, deep.Profiles[0], resolver, Now);
        }

        var count = frames.Count;
        var again = ProfileBatch.Create(ProfileBombs.DeepStack(3000));
        using var lookups = new StackResolver(again.Dictionary, frames);

        Assert.Equal((1, 0), ProfileBatch.AddTo(tree, again.Profiles[0], lookups, Now, allowNewStacks: false));
        Assert.Equal(count, frames.Count);
        Assert.Equal(2, tree.TotalValue);
    }
}
