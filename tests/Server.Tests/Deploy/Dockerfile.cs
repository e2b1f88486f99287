using System.Text.RegularExpressions;

namespace Server.Tests.Deploy;

/// <summary>A Dockerfile read into its stages' instructions (continuation lines joined, comments dropped).</summary>
public sealed class Dockerfile
{
    public sealed record Instruction(string Keyword, string Arguments);

    public string Path { get; }
    public IReadOnlyDictionary<string, List<Instruction>> Stages { get; }

    public Dockerfile(string path)
    {
        Path = path;
        var stages = new Dictionary<string, List<Instruction>>();
        List<Instruction>? current = null;
        string joined = Regex.Replace(File.ReadAllText(path), @"\\\r?\n", " ");
        foreach (string line in joined.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            Match m = Regex.Match(line, @"^(\w+)\s+(.*)$");
            if (!m.Success) throw new Xunit.Sdk.XunitException($"{path}: cannot read \"{line}\"");
            var instruction = new Instruction(m.Groups[1].Value.ToUpperInvariant(), m.Groups[2].Value);
            if (instruction.Keyword == "FROM")
            {
                Match name = Regex.Match(instruction.Arguments, @"\s+AS\s+(\S+)$", RegexOptions.IgnoreCase);
                stages[name.Success ? name.Groups[1].Value : $"stage{stages.Count}"] = current = [];
            }
            current?.Add(instruction);
        }
        Stages = stages;
    }

    public List<Instruction> Stage(string name) =>
        Stages.TryGetValue(name, out var stage) ? stage : throw new Xunit.Sdk.XunitException($"{Path} has no stage {name}");

    /// <summary>The instructions of a stage and of the stages it is built FROM, base first.</summary>
    public IEnumerable<Instruction> WithBases(string name)
    {
        List<Instruction> stage = Stage(name);
        string from = stage[0].Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return Stages.ContainsKey(from) ? WithBases(from).Concat(stage) : stage;
    }
}
