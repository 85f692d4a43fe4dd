using Google.Protobuf;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Formats.Folded;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Validation;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiles.Tests.Validation;

/// <summary>The issue-15 attacks on the profile core: each payload expands into far more than its size.</summary>
public class ProfileLimitsTests
{
    private const long Now = 1_700_000_000_000_000_000;
    private static readonly SourceKey Bomb = new("shop", "Deployment", "bomb");

    private static ValidationError Refused(ExportProfilesServiceRequest request, ProfileLimits limits)
    {
        var result = ProfilesValidator.Validate(request, limits);
        Assert.True(result.RequestInvalid);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void Expansion_bomb_is_refused_for_its_lines_per_location()
    {
        var request = ProfileBombs.ExpansionBomb();

        var error = Refused(request, ProfileLimits.Default);

        Assert.Equal("dictionary.location_table[1]: Location.lines has 1000 entries; the limit is 256 (Ingest:Limits:MaxLinesPerLocation)", error.ToString());
    }

    [Fact]
    public void Expansion_bomb_is_refused_for_its_frames_when_its_lines_are_allowed()
    {
        var request = ProfileBombs.ExpansionBomb();
        var limits = ProfileLimits.Default with { MaxLinesPerLocation = 1000 };

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var batch = ProfileBatch.Create(request, limits);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        var error = Assert.Single(batch.Validation.Errors);
        Assert.Equal("Stack.location_indices", error.Field);
        Assert.Contains("expand to more than 4000000 frames", error.Reason);
        Assert.Contains("Ingest:Limits:MaxFramesPerRequest", error.Reason);
        Assert.Empty(batch.Profiles);
        Assert.True(allocated < 1 << 20, $"validating allocated {allocated} bytes");
    }

    [Fact]
    public void Expansion_under_the_frame_cap_is_accepted_and_resolved_within_it()
    {
        // 1,000 lines × 3,000 stacks = 3 million frames, under the default 4 million.
        var request = ProfileBombs.ExpansionBomb(lines: 1000, stacks: 3000);
        var limits = ProfileLimits.Default with { MaxLinesPerLocation = 1000 };
        var batch = ProfileBatch.Create(request, limits);
        Assert.True(batch.Validation.IsValid, batch.Validation.Summary);

        using var resolver = new StackResolver(batch.Dictionary, new FrameTable(), limits);
        var tree = new ProfileTree(resolver.Frames, batch.Profiles[0].Type, AggregationOptions.Default);
        Assert.Equal(3000, ProfileBatch.AddTo(tree, batch.Profiles[0], resolver, Now));

        Assert.Equal(3_000_000, resolver.ResolvedFrames);
        Assert.Equal(1001, tree.NodeCount);
    }

    [Fact]
    public void Resolver_refuses_to_expand_past_its_frame_cap_when_the_request_was_not_validated_with_it()
    {
        var batch = ProfileBatch.CreateValidated(ProfileBombs.ExpansionBomb());
        using var resolver = new StackResolver(batch.Dictionary, new FrameTable(), ProfileLimits.Default);
        var tree = new ProfileTree(resolver.Frames, batch.Profiles[0].Type, AggregationOptions.Default);

        var error = Assert.Throws<InvalidOperationException>(() => ProfileBatch.AddTo(tree, batch.Profiles[0], resolver, Now));

        Assert.Contains("more than 4000000 frames", error.Message);
        Assert.True(resolver.ResolvedFrames <= ProfileLimits.Default.MaxFramesPerRequest);
    }

    [Fact]
    public void Deep_stack_keeps_its_leaf_most_frames_under_a_truncated_root()
    {
        var aggregator = new ProfileAggregator();
        aggregator.Add(ProfileBatch.Create(ProfileBombs.DeepStack(10_000)), Now);

        var snapshot = aggregator.Snapshot(Bomb, ProfileType.Cpu, TimeWindow.All)!;
        var folded = FoldedWriter.WriteString(snapshot).TrimEnd('\n').Split(' ')[0].Split(';');

        Assert.Equal(ProfileLimits.Default.MaxStackDepth + 1, folded.Length);
        Assert.Equal("[truncated]", folded[0]);
        Assert.Equal($"f{ProfileLimits.Default.MaxStackDepth - 1}", folded[1]);
        Assert.Equal("f0", folded[^1]);
        Assert.Equal(1, snapshot.TotalValue);
    }

    [Fact]
    public void Stack_at_the_depth_limit_is_kept_whole()
    {
        var limits = ProfileLimits.Default with { MaxStackDepth = 64 };
        var aggregator = new ProfileAggregator();
        aggregator.Add(ProfileBatch.Create(ProfileBombs.DeepStack(64), limits), Now);
        aggregator.Add(ProfileBatch.Create(ProfileBombs.DeepStack(65), limits), Now);

        var lines = FoldedWriter.WriteString(aggregator.Snapshot(Bomb, ProfileType.Cpu, TimeWindow.All)!).TrimEnd('\n').Split('\n');

        Assert.Equal(2, lines.Length);
        Assert.Contains(lines, line => line.StartsWith("f63;", StringComparison.Ordinal) && line.Split(';').Length == 64);
        Assert.Contains(lines, line => line.StartsWith("[truncated];f63;", StringComparison.Ordinal) && line.Split(';').Length == 65);
    }

    [Fact]
    public void Wide_location_is_refused_past_the_lines_limit_and_accepted_at_it()
    {
        var limits = ProfileLimits.Default with { MaxLinesPerLocation = 300 };

        Assert.True(ProfilesValidator.Validate(ProfileBombs.ExpansionBomb(lines: 300, stacks: 10), limits).IsValid);
        var error = Refused(ProfileBombs.ExpansionBomb(lines: 301, stacks: 10), limits);
        Assert.Equal("Location.lines", error.Field);
        Assert.Contains("has 301 entries; the limit is 300", error.Reason);
    }

    [Theory]
    [InlineData("string_table")]
    [InlineData("location_table")]
    [InlineData("function_table")]
    [InlineData("stack_table")]
    [InlineData("attribute_table")]
    [InlineData("mapping_table")]
    [InlineData("link_table")]
    public void Huge_dictionary_table_is_refused_before_it_is_walked(string table)
    {
        var limits = ProfileLimits.Default with { MaxTableEntries = 5000 };
        var request = new ExportProfilesServiceRequest { Dictionary = ProfilesDictionaries.WithZeroValues() };
        var d = request.Dictionary;
        for (var i = 0; i < 5000; i++)
        {
            switch (table)
            {
                case "string_table": d.StringTable.Add(""); break;
                case "location_table": d.LocationTable.Add(new Location { MappingIndex = 99 }); break;
                case "function_table": d.FunctionTable.Add(new Function()); break;
                case "stack_table": d.StackTable.Add(new Stack()); break;
                case "attribute_table": d.AttributeTable.Add(new KeyValueAndUnit()); break;
                case "mapping_table": d.MappingTable.Add(new Mapping()); break;
                default: d.LinkTable.Add(new Link()); break;
            }
        }

        var error = Refused(request, limits);

        Assert.Equal($"dictionary: {table} has 5001 entries; the limit is 5000 (Ingest:Limits:MaxTableEntries)", error.ToString());
    }

    [Fact]
    public void Default_table_limit_refuses_a_million_and_one_strings()
    {
        var request = new ExportProfilesServiceRequest { Dictionary = new ProfilesDictionary() };
        request.Dictionary.StringTable.AddRange(Enumerable.Repeat("", 1_000_001));

        Assert.Contains("string_table has 1000001 entries", Refused(request, ProfileLimits.Default).ToString());
    }

    [Fact]
    public void Samples_over_the_request_limit_are_refused_across_profiles()
    {
        var limits = ProfileLimits.Default with { MaxSamplesPerRequest = 2000 };
        var b = new OtlpRequestBuilder();
        var stack = b.StackOf("main");
        foreach (var profile in new[] { b.Profile(ProfileBombs.Attributes), b.Profile(ProfileBombs.Attributes) })
        {
            for (var i = 0; i < 1000; i++)
            {
                OtlpRequestBuilder.AddSample(profile, stack, 1);
            }
        }

        Assert.True(ProfilesValidator.Validate(b.Request, limits).IsValid);
        OtlpRequestBuilder.AddSample(b.Request.ResourceProfiles[1].ScopeProfiles[0].Profiles[0], stack, 1);
        Assert.Equal("resource_profiles: Profile.samples hold 2001 samples in all; the limit is 2000 (Ingest:Limits:MaxSamplesPerRequest)",
            Refused(b.Request, limits).ToString());
    }

    [Fact]
    public void Sample_whose_values_overflow_a_64_bit_sum_is_refused_and_tree_totals_saturate()
    {
        var b = new OtlpRequestBuilder();
        var profile = b.Profile(ProfileBombs.Attributes);
        var stack = b.StackOf("main");
        profile.Samples.Add(new Sample { StackIndex = stack, Values = { long.MaxValue, 1 } });

        var result = ProfilesValidator.Validate(b.Request);
        Assert.False(result.RequestInvalid);
        Assert.Equal("resource_profiles[0].scope_profiles[0].profiles[0].samples[0]: Sample.values add up to more than a 64-bit integer holds",
            Assert.Single(result.Errors).ToString());

        // Each sample fits; their sum over a tree does not: it stops at the bound instead of wrapping negative.
        profile.Samples.Clear();
        OtlpRequestBuilder.AddSample(profile, stack, long.MaxValue);
        OtlpRequestBuilder.AddSample(profile, stack, long.MaxValue);
        var aggregator = new ProfileAggregator();
        aggregator.Add(ProfileBatch.Create(b.Request), Now);
        var snapshot = aggregator.Snapshot(Bomb, ProfileType.Cpu, TimeWindow.All)!;
        Assert.Equal(long.MaxValue, snapshot.TotalValue);
        Assert.Equal(long.MaxValue, snapshot.Self.Max());
    }

    [Fact]
    public void Real_captures_pass_with_the_default_limits()
    {
        foreach (var request in new[] { RealProducerPayloads.EbpfProfiler(), RealProducerPayloads.PerfNative("checkout", 0x7f00_0000_0000), SyntheticPayloads.Large() })
        {
            var parsed = ExportProfilesServiceRequest.Parser.ParseFrom(request.ToByteArray());
            var result = ProfilesValidator.Validate(parsed, ProfileLimits.Default);
            Assert.True(result.IsValid, result.Summary);
        }
    }

    [Fact]
    public void Defaults_are_valid_and_out_of_range_settings_name_their_key()
    {
        Assert.Empty(ProfileLimits.Default.Problems());

        var problems = (ProfileLimits.Default with { MaxStackDepth = 0, MaxJsonBytes = 1L << 40 }).Problems();

        Assert.Equal(
            [
                "Ingest:Limits:MaxStackDepth: 0 is out of range; use 16 to 1048576 (default 2048).",
                "Ingest:Limits:MaxJsonBytes: 1099511627776 is out of range; use 1024 to 1073741824 (default 8388608).",
            ],
            problems);
        Assert.Throws<ArgumentException>(() => (ProfileLimits.Default with { MaxTableEntries = -1 }).EnsureValid());
    }
}
