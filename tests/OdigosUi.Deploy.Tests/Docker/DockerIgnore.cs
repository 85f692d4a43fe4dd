using System.Text.RegularExpressions;

namespace OdigosUi.Deploy.Tests.Docker;

/// <summary>
/// .dockerignore as BuildKit applies it: patterns relative to the context root (<c>*</c> and <c>?</c> within one path
/// segment, <c>**</c> across segments), a pattern excluding a folder excludes everything in it, later <c>!</c> patterns
/// re-include, the last match wins.
/// </summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Exclude)> _rules = [];

    public DockerIgnore(string text)
    {
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            bool exclude = !line.StartsWith('!');
            string pattern = (exclude ? line : line[1..]).Trim().Trim('/');
            _rules.Add((new Regex("^" + ToRegex(pattern) + "(/.*)?$"), exclude));
        }
    }

    /// <summary>Whether a context-relative path (<c>src/OdigosUi/Program.cs</c>) is left out of the build context.</summary>
    public bool IsExcluded(string path)
    {
        path = path.Replace('\\', '/').Trim('/');
        bool excluded = false;
        foreach (var (pattern, exclude) in _rules)
        {
            if (pattern.IsMatch(path))
            {
                excluded = exclude;
            }
        }

        return excluded;
    }

    private static string ToRegex(string pattern)
    {
        var builder = new System.Text.StringBuilder();
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" matches zero or more folders; a trailing "**" anything.
                bool slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                builder.Append(slash ? "(.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else
            {
                builder.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => Regex.Escape(c.ToString()),
                });
            }
        }

        return builder.ToString();
    }
}
