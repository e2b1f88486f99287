namespace Server.Tests.RealProcess;

/// <summary>align-train as the solution's Release build leaves it: the Server tests run the training host as a real child, not a reference.</summary>
public static class AlignTrainBuild
{
    public static string Dll
    {
        get
        {
            string dll = System.IO.Path.Combine(RepositoryRoot.Path, "src", "Training", "bin", "Release", "net10.0", "align-train.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing: build the solution in Release first (scripts/test.sh does)");
        }
    }
}
