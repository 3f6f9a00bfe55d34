using System.Text;

namespace SipDialogs.Tests;

/// <summary>Finds the shared test data (RFC 4475 torture messages, call flows, stream captures).</summary>
internal static class TestData
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The folder that holds rfc4475/, callflows/ and the stream capture.</summary>
    public static string Root => s_root.Value;

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static byte[] Bytes(string relative) => File.ReadAllBytes(PathOf(relative));

    /// <summary>A message written with LF line breaks, as CRLF bytes.</summary>
    public static byte[] Crlf(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));

    private static string FindRoot()
    {
        string? overridden = Environment.GetEnvironmentVariable("SIPDIALOGS_TESTDATA");
        if (!string.IsNullOrEmpty(overridden) && Directory.Exists(overridden))
        {
            return overridden;
        }

        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (string candidate in new[] { Path.Combine(dir.FullName, "shared", "testdata"), Path.Combine(dir.FullName, "testdata") })
            {
                if (Directory.Exists(Path.Combine(candidate, "rfc4475")))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException(
            "Test data not found: expected shared/testdata beside the repository (or set SIPDIALOGS_TESTDATA).");
    }
}
