using System.Text.Json;
using System.Text.RegularExpressions;

namespace OdigosUi.Deploy.Tests.Docker;

/// <summary>One instruction: its keyword (upper-case), its arguments (continuation lines joined) and its first line.</summary>
public sealed record DockerInstruction(string Keyword, string Arguments, int Line)
{
    /// <summary>The exec (JSON array) form of ENTRYPOINT / CMD, or null for the shell form.</summary>
    public string[]? ExecForm => Arguments.TrimStart().StartsWith('[') ? JsonSerializer.Deserialize<string[]>(Arguments) : null;

    /// <summary>COPY / ADD: <c>--flag=value</c> options, the sources and the destination.</summary>
    public (Dictionary<string, string> Flags, string[] Sources, string Destination) CopyParts()
    {
        var words = Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        while (words.Count > 0 && words[0].StartsWith("--", StringComparison.Ordinal))
        {
            string[] pair = words[0][2..].Split('=', 2);
            flags[pair[0]] = pair.Length > 1 ? pair[1] : "";
            words.RemoveAt(0);
        }

        if (words.Count > 0 && words[0].StartsWith('['))
        {
            words = [.. JsonSerializer.Deserialize<string[]>(string.Join(' ', words))!];
        }

        return words.Count >= 2 ? (flags, words[..^1].ToArray(), words[^1]) : throw new FormatException($"line {Line}: {Keyword} needs a source and a destination");
    }

    /// <summary>ENV <c>KEY=value …</c> pairs (double quotes removed).</summary>
    public Dictionary<string, string> EnvPairs() =>
        Regex.Matches(Arguments, @"(\w+)=(""[^""]*""|\S*)").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim('"'));
}

/// <summary>A build stage: <c>FROM image [AS name]</c> and its instructions.</summary>
public sealed record DockerStage(int Index, string Image, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public DockerInstruction Single(string keyword) =>
        Instructions.LastOrDefault(i => i.Keyword == keyword) ?? throw new InvalidOperationException($"stage {Name ?? Index.ToString()} has no {keyword}");
}

/// <summary>A Dockerfile parsed as BuildKit reads it: comments dropped, <c>\</c> continuations joined, split into stages.</summary>
public sealed record Dockerfile(IReadOnlyList<DockerStage> Stages)
{
    public static Dockerfile Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        string? pending = null;
        int pendingLine = 0;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.TrimStart().StartsWith('#') || (pending is null && line.Trim().Length == 0))
            {
                continue; // comments (also inside continuations) and blank lines
            }

            bool continues = line.EndsWith('\\');
            string content = continues ? line[..^1] : line;
            if (pending is null)
            {
                pending = content.Trim();
                pendingLine = i + 1;
            }
            else
            {
                pending += " " + content.Trim();
            }

            if (!continues)
            {
                int space = pending.IndexOf(' ');
                instructions.Add(new DockerInstruction(
                    (space < 0 ? pending : pending[..space]).ToUpperInvariant(),
                    space < 0 ? "" : pending[(space + 1)..].Trim(),
                    pendingLine));
                pending = null;
            }
        }

        if (pending is not null)
        {
            throw new FormatException($"line {pendingLine}: the last instruction ends with a continuation");
        }

        var stages = new List<DockerStage>();
        foreach (var instruction in instructions)
        {
            if (instruction.Keyword == "FROM")
            {
                var words = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToArray();
                string? name = words.Length == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
                stages.Add(new DockerStage(stages.Count, words[0], name, []));
            }
            else if (instruction.Keyword is not "ARG" || stages.Count > 0)
            {
                if (stages.Count == 0)
                {
                    throw new FormatException($"line {instruction.Line}: {instruction.Keyword} before the first FROM");
                }

                stages[^1] = stages[^1] with { Instructions = [.. stages[^1].Instructions, instruction] };
            }
        }

        return new Dockerfile(stages);
    }
}
