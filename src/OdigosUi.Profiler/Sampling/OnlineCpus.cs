namespace OdigosUi.Profiler.Sampling;

/// <summary>Parses CPU lists such as <c>0-3,5,7-8</c> from /sys/devices/system/cpu/online.</summary>
public static class OnlineCpus
{
    public static IReadOnlyList<int> Read(string path = "/sys/devices/system/cpu/online")
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (IOException)
        {
            return Enumerable.Range(0, Environment.ProcessorCount).ToArray();
        }
    }

    public static IReadOnlyList<int> Parse(string text)
    {
        var cpus = new List<int>();
        foreach (var part in text.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = part.IndexOf('-');
            if (dash < 0)
            {
                cpus.Add(int.Parse(part));
                continue;
            }

            var first = int.Parse(part[..dash]);
            var last = int.Parse(part[(dash + 1)..]);
            for (var cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(cpu);
            }
        }

        return cpus;
    }
}
