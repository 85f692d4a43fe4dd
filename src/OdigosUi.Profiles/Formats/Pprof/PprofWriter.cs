using System.IO.Compression;
using Google.Protobuf;
using OdigosUi.Profiles.Aggregation;
using PprofProfile = OdigosUi.Profiles.Pprof.Proto.Profile;

namespace OdigosUi.Profiles.Formats.Pprof;

/// <summary>
/// Writes a snapshot as a gzip-compressed pprof profile (profile.proto) readable by <c>go tool pprof</c>:
/// one sample per distinct stack, one location and function per frame.
/// </summary>
public static class PprofWriter
{
    public static byte[] Write(ProfileSnapshot snapshot, long timeUnixNano = 0)
    {
        var profile = ToPprof(snapshot, timeUnixNano);
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            profile.WriteTo(gzip);
        }

        return output.ToArray();
    }

    public static PprofProfile ToPprof(ProfileSnapshot snapshot, long timeUnixNano = 0)
    {
        var strings = new StringTable();
        var profile = new PprofProfile
        {
            TimeNanos = timeUnixNano,
            Period = snapshot.Period,
            PeriodType = new Profiles.Pprof.Proto.ValueType
            {
                Type = strings.Index(snapshot.Type.PeriodType),
                Unit = strings.Index(snapshot.Type.PeriodUnit),
            },
        };
        profile.SampleType.Add(new Profiles.Pprof.Proto.ValueType
        {
            Type = strings.Index(snapshot.Type.SampleType),
            Unit = strings.Index(snapshot.Type.SampleUnit),
        });

        var locationOfFrame = new ulong[snapshot.Frames.Length];
        for (var node = 1; node < snapshot.NodeCount; node++)
        {
            if (snapshot.Total[node] == 0 && !snapshot.Present[node])
            {
                continue;
            }

            var frame = snapshot.FrameOf[node];
            if (locationOfFrame[frame] != 0)
            {
                continue;
            }

            var id = (ulong)profile.Location.Count + 1;
            locationOfFrame[frame] = id;
            var label = strings.Index(snapshot.Frames[frame].Label);
            profile.Function.Add(new Profiles.Pprof.Proto.Function { Id = id, Name = label, SystemName = label });
            var location = new Profiles.Pprof.Proto.Location { Id = id };
            location.Line.Add(new Profiles.Pprof.Proto.Line { FunctionId = id });
            profile.Location.Add(location);
        }

        for (var node = 0; node < snapshot.NodeCount; node++)
        {
            if (!snapshot.Present[node])
            {
                continue;
            }

            var sample = new Profiles.Pprof.Proto.Sample();
            for (var n = node; n != ProfileTree.Root; n = snapshot.Parent[n])
            {
                sample.LocationId.Add(locationOfFrame[snapshot.FrameOf[n]]);
            }

            sample.Value.Add(snapshot.Self[node]);
            profile.Sample.Add(sample);
        }

        profile.StringTable.AddRange(strings.Strings);
        return profile;
    }

    private sealed class StringTable
    {
        private readonly Dictionary<string, long> _index = new(StringComparer.Ordinal) { [""] = 0 };

        public List<string> Strings { get; } = [""];

        public long Index(string value)
        {
            if (!_index.TryGetValue(value, out var index))
            {
                index = Strings.Count;
                Strings.Add(value);
                _index.Add(value, index);
            }

            return index;
        }
    }
}
