using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>
/// The messages of the RFC call flow examples in the shared test data (e.g. RFC 3665 §3.2), as bytes or parsed.
/// </summary>
/// <remarks>
/// Each file is a YAML sequence of literal block scalars with keep chomping (<c>- |+</c>), every content line
/// indented by two spaces, LF line breaks: that subset of YAML is all that is read. A message whose block has no
/// blank line (the last of a file) gets one to close its header block; LF becomes CRLF, as on the wire.
/// </remarks>
internal static class CallFlows
{
    /// <summary>RFC 3665 §3.2, session establishment through two proxies: F1 is index 0.</summary>
    public const string SessionThroughTwoProxies = "rfc3665_3.02";

    /// <summary>Every message of the call flow whose file name starts with <paramref name="prefix"/>, as CRLF bytes, in order.</summary>
    public static IReadOnlyList<byte[]> Bytes(string prefix)
    {
        string[] files = Directory.GetFiles(TestData.PathOf("callflows"), prefix + "_*.yaml");
        Assert.Single(files);
        return FileBytes(files[0]);
    }

    /// <summary>
    /// Every message of one call flow file as CRLF bytes, in order. The last block of a file has no blank line after
    /// its headers; one is added.
    /// </summary>
    public static IReadOnlyList<byte[]> FileBytes(string path)
    {
        List<string> blocks = ReadBlocks(File.ReadAllText(path));
        var messages = new List<byte[]>(blocks.Count);
        foreach (string block in blocks)
        {
            string message = block.Contains("\n\n", StringComparison.Ordinal) ? block : block + "\n";
            messages.Add(Encoding.UTF8.GetBytes(message.Replace("\n", "\r\n", StringComparison.Ordinal)));
        }

        return messages;
    }

    /// <summary>Every message of a call flow, parsed and validated; F<i>n</i> is index <i>n</i> - 1.</summary>
    public static IReadOnlyList<SipMessage> Parse(string prefix)
    {
        IReadOnlyList<byte[]> all = Bytes(prefix);
        var messages = new List<SipMessage>(all.Count);
        for (int i = 0; i < all.Count; i++)
        {
            Assert.True(SipMessageParser.TryParse(all[i], out SipMessage? message, out SipParseError error), $"{prefix} F{i + 1}: {error}");
            Assert.True(message!.TryValidate(out error), $"{prefix} F{i + 1}: {error}");
            messages.Add(message);
        }

        return messages;
    }

    /// <summary>Message F<paramref name="number"/> of a call flow, as a request.</summary>
    public static SipRequest Request(string prefix, int number) => Assert.IsType<SipRequest>(Parse(prefix)[number - 1]);

    /// <summary>Message F<paramref name="number"/> of a call flow, as a response.</summary>
    public static SipResponse Response(string prefix, int number) => Assert.IsType<SipResponse>(Parse(prefix)[number - 1]);

    /// <summary>
    /// Reads the literal blocks of a call flow file, each content line with its LF; comment and blank lines before
    /// the first block are skipped.
    /// </summary>
    private static List<string> ReadBlocks(string yaml)
    {
        var blocks = new List<string>();
        StringBuilder? current = null;
        string[] lines = yaml.Split('\n');
        int count = lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        for (int i = 0; i < count; i++)
        {
            string line = lines[i];
            if (line == "- |+")
            {
                if (current is not null)
                {
                    blocks.Add(current.ToString());
                }

                current = new StringBuilder();
            }
            else if (current is null)
            {
                Assert.True(line.Length == 0 || line[0] == '#', $"Unexpected line before the first message: {line}");
            }
            else
            {
                Assert.True(line.Length == 0 || line.StartsWith("  ", StringComparison.Ordinal), $"Unexpected indentation: {line}");
                current.Append(line.Length == 0 ? string.Empty : line[2..]).Append('\n');
            }
        }

        if (current is not null)
        {
            blocks.Add(current.ToString());
        }

        return blocks;
    }
}
