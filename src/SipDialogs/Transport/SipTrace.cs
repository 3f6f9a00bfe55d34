using System.Text;
using Microsoft.Extensions.Logging;

namespace SipDialogs.Transport;

/// <summary>
/// The SIP message trace: every message received and sent, whole, at <see cref="LogLevel.Trace"/> under the category
/// <c>SipDialogs.Trace</c>, as operators read them in a siptrace or sngrep capture. Credentials are never written:
/// the value of <c>Authorization</c> and <c>Proxy-Authorization</c> is replaced by its scheme and <c>&lt;redacted&gt;</c>.
/// Off unless that category is enabled at Trace, when it costs one check per message.
/// </summary>
internal sealed partial class SipTrace
{
    /// <summary>The log category of the trace, to enable on its own.</summary>
    public const string Category = "SipDialogs.Trace";

    private readonly ILogger _logger;

    public SipTrace(ILoggerFactory loggerFactory) => _logger = loggerFactory.CreateLogger(Category);

    /// <summary>Whether the trace is on.</summary>
    public bool IsEnabled => _logger.IsEnabled(LogLevel.Trace);

    /// <summary>Writes a message received, when the trace is on.</summary>
    public void Received(ReadOnlySpan<byte> message, SipEndPoint remote, SipEndPoint local)
    {
        if (IsEnabled)
        {
            MessageReceived(_logger, message.Length, remote, local, Redacted(message));
        }
    }

    /// <summary>Writes a message sent, when the trace is on.</summary>
    public void Sent(ReadOnlySpan<byte> message, SipEndPoint remote)
    {
        if (IsEnabled)
        {
            MessageSent(_logger, message.Length, remote, Redacted(message));
        }
    }

    /// <summary>The message as text, with the credentials in Authorization and Proxy-Authorization replaced.</summary>
    /// <param name="message">The message's bytes (invalid UTF-8 shows as U+FFFD).</param>
    /// <returns>The text to log.</returns>
    public static string Redacted(ReadOnlySpan<byte> message)
    {
        string text = Encoding.UTF8.GetString(message);
        int headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        string head = headerEnd < 0 ? text : text[..headerEnd];
        if (!head.Contains("authorization", StringComparison.OrdinalIgnoreCase))
        {
            return text;
        }

        var redacted = new StringBuilder(text.Length);
        bool folded = false;
        string[] lines = head.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (folded && line.Length > 0 && line[0] is ' ' or '\t')
            {
                continue; // A continuation of the value being redacted (RFC 3261 §7.3.1).
            }

            folded = false;
            if (i > 0)
            {
                redacted.Append('\n');
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && IsCredentialHeader(line.AsSpan(0, colon).Trim()))
            {
                // The name and the scheme ("Digest") stay; the rest of the value goes.
                ReadOnlySpan<char> value = line.AsSpan(colon + 1).TrimStart(" \t");
                int schemeEnd = value.IndexOfAny(" \t\r");
                redacted.Append(line, 0, colon + 1).Append(' ').Append(schemeEnd < 0 ? value : value[..schemeEnd]).Append(" <redacted>");
                if (line.EndsWith('\r'))
                {
                    redacted.Append('\r');
                }

                folded = true;
            }
            else
            {
                redacted.Append(line);
            }
        }

        return redacted.Append(text, head.Length, text.Length - head.Length).ToString();
    }

    private static bool IsCredentialHeader(ReadOnlySpan<char> name) =>
        name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(190, LogLevel.Trace, "Received {Bytes} bytes from {Remote} on {Local}:\n{Message}")]
    private static partial void MessageReceived(ILogger logger, int bytes, SipEndPoint remote, SipEndPoint local, string message);

    [LoggerMessage(191, LogLevel.Trace, "Sent {Bytes} bytes to {Remote}:\n{Message}")]
    private static partial void MessageSent(ILogger logger, int bytes, SipEndPoint remote, string message);
}
