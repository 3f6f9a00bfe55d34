namespace SipDialogs.Tests.Infrastructure;

/// <summary>Files that live in the repository beside the tests (SIPp scenarios, Kamailio configs).</summary>
internal static class Repository
{
    /// <summary>The full path of <paramref name="relativePath"/>, found by walking up from the test output to the repository root.</summary>
    public static string PathOf(string relativePath)
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relativePath} not found above {AppContext.BaseDirectory}.");
    }
}
