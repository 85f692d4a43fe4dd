using OdigosUi.Profiles.Model;

namespace OdigosUi.Profiles.Aggregation;

/// <summary>
/// An immutable copy of a <see cref="ProfileTree"/> for one time window, read by the format writers.
/// Node 0 is the root; a parent's id is always lower than its children's.
/// </summary>
public sealed class ProfileSnapshot
{
    private int[][]? _children;

    public ProfileSnapshot(ProfileType type, long period, int[] parent, int[] frame, long[] self, bool[] present, Frame[] frames)
    {
        Type = type;
        Period = period;
        Parent = parent;
        FrameOf = frame;
        Self = self;
        Present = present;
        Frames = frames;
        for (var i = 0; i < present.Length; i++)
        {
            present[i] &= self[i] != 0;
        }

        Total = (long[])self.Clone();
        for (var i = parent.Length - 1; i > 0; i--)
        {
            Total[parent[i]] += Total[i];
        }
    }

    public ProfileType Type { get; }

    public long Period { get; }

    public int NodeCount => Parent.Length;

    public int[] Parent { get; }

    /// <summary>Frame id per node (index into <see cref="Frames"/>); -1 for the root.</summary>
    public int[] FrameOf { get; }

    public long[] Self { get; }

    public long[] Total { get; }

    /// <summary>True for nodes where the stacks ending in this window sum to a value other than 0.</summary>
    public bool[] Present { get; }

    public Frame[] Frames { get; }

    public long TotalValue => Total[ProfileTree.Root];

    public string Label(int node) => Frames[FrameOf[node]].Label;

    /// <summary>Children of <paramref name="node"/> ordered by label (ordinal).</summary>
    public int[] Children(int node) => (_children ??= BuildChildren())[node];

    private int[][] BuildChildren()
    {
        var counts = new int[NodeCount];
        for (var i = 1; i < NodeCount; i++)
        {
            counts[Parent[i]]++;
        }

        var children = new int[NodeCount][];
        for (var i = 0; i < NodeCount; i++)
        {
            children[i] = counts[i] == 0 ? [] : new int[counts[i]];
            counts[i] = 0;
        }

        for (var i = 1; i < NodeCount; i++)
        {
            var p = Parent[i];
            children[p][counts[p]++] = i;
        }

        foreach (var list in children)
        {
            if (list.Length > 1)
            {
                Array.Sort(list, (a, b) => string.CompareOrdinal(Label(a), Label(b)));
            }
        }

        return children;
    }
}
