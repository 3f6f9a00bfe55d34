using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// The value of a Retry-After header field (RFC 3261 §20.33): how many seconds to wait before trying again,
/// an optional comment, and how long the callee will then be available (<c>duration</c>).
/// </summary>
public sealed class RetryAfterHeader
{
    /// <summary>Creates a Retry-After value.</summary>
    /// <param name="seconds">The seconds to wait.</param>
    /// <param name="comment">
    /// The text of the comment without its outer parentheses, or <see langword="null"/>; any parentheses inside must
    /// balance, and it cannot hold control characters other than HTAB.
    /// </param>
    /// <param name="duration">The duration parameter in seconds, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="comment"/> does not follow the grammar.</exception>
    public RetryAfterHeader(uint seconds, string? comment = null, uint? duration = null)
        : this(seconds, comment, new SipParameters())
    {
        if (comment is not null && !IsCommentText(comment))
        {
            throw new ArgumentException("The comment must be ctext, quoted-pairs and balanced comments (RFC 3261 §25.1).", nameof(comment));
        }

        if (duration is uint time)
        {
            Parameters.Set("duration", time.ToString(CultureInfo.InvariantCulture));
        }
    }

    private RetryAfterHeader(uint seconds, string? comment, SipParameters parameters)
    {
        Seconds = seconds;
        Comment = comment;
        Parameters = parameters;
    }

    /// <summary>The seconds to wait before retrying (RFC 3261 §20.33).</summary>
    public uint Seconds { get; }

    /// <summary>
    /// The comment as written between its outer parentheses, e.g. "I'm in a meeting", or <see langword="null"/>;
    /// nested comments and quoted-pairs are kept as written.
    /// </summary>
    public string? Comment { get; }

    /// <summary>The duration parameter: how long the callee will be reachable, in seconds (RFC 3261 §20.33), or <see langword="null"/>.</summary>
    public uint? Duration => SipGrammar.GetDeltaSecondsParameter(Parameters, "duration");

    /// <summary>Every parameter in the order written, values as written.</summary>
    public SipParameters Parameters { get; }

    /// <summary>
    /// Parses a Retry-After header field value (RFC 3261 §25.1): <c>delta-seconds [ comment ] *( SEMI retry-param )</c>,
    /// where a comment is <c>"(" *(ctext / quoted-pair / comment) ")"</c> and <c>duration</c> is <c>delta-seconds</c>.
    /// </summary>
    /// <param name="value">The header field value, unfolded.</param>
    /// <param name="result">The parsed value, or <see langword="null"/> on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.ValueOutOfRange"/> for seconds or a duration above 2^32-1;
    /// <see cref="SipRejectReason.MalformedHeader"/> for malformed seconds or comment;
    /// <see cref="SipRejectReason.MalformedParameter"/> for another bad parameter.
    /// </param>
    /// <returns>Whether the value is a valid Retry-After.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, [NotNullWhen(true)] out RetryAfterHeader? result, out SipRejectReason reason)
    {
        result = null;
        value = SipGrammar.TrimWhitespace(value);
        int digitsLength = value.IndexOfAnyExceptInRange('0', '9');
        int end = digitsLength < 0 ? value.Length : digitsLength;
        if (!SipGrammar.TryParseDeltaSeconds(value[..end], SipRejectReason.MalformedHeader, out uint seconds, out reason))
        {
            return false;
        }

        string? comment = null;
        int i = SipGrammar.SkipWhitespace(value, end);
        if (i < value.Length && value[i] == '(')
        {
            int close = FindCommentEnd(value, i);
            if (close < 0)
            {
                reason = SipRejectReason.MalformedHeader;
                return false;
            }

            comment = value[(i + 1)..close].ToString();
            end = close + 1;
        }

        if (!SipGrammar.TryParseHeaderParameters(value[end..], out SipParameters? parameters, out reason) ||
            !SipGrammar.TryGetDeltaSecondsParameter(parameters, "duration", out _, out reason))
        {
            return false;
        }

        result = new RetryAfterHeader(seconds, comment, parameters);
        return true;
    }

    /// <summary>The canonical header field value, e.g. <c>120 (I'm in a meeting)</c> or <c>18000;duration=3600</c>.</summary>
    /// <returns>The seconds, the comment after one space, and the parameters.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder(32);
        builder.Append(Seconds.ToString(CultureInfo.InvariantCulture));
        if (Comment is not null)
        {
            builder.Append(" (").Append(Comment).Append(')');
        }

        Parameters.AppendTo(builder, ';');
        return builder.ToString();
    }

    // comment = LPAREN *(ctext / quoted-pair / comment) RPAREN, with ctext any visible character but the
    // parentheses and backslash, LWS, or UTF-8 beyond ASCII. Returns the index of the closing ')' or -1.
    private static int FindCommentEnd(ReadOnlySpan<char> text, int open)
    {
        int depth = 0;
        for (int i = open; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    if (depth == 0)
                    {
                        return i;
                    }

                    break;
                case '\\':
                    if (i + 1 >= text.Length || text[i + 1] is '\r' or '\n' || text[i + 1] > 0x7F)
                    {
                        return -1;
                    }

                    i++;
                    break;
                default:
                    if ((c < 0x20 && c != '\t') || c == 0x7F)
                    {
                        return -1;
                    }

                    break;
            }
        }

        return -1;
    }

    private static bool IsCommentText(string text)
    {
        // Checking "(" + text + ")" as a comment, without building it.
        int depth = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\')
            {
                if (i + 1 >= text.Length || text[i + 1] is '\r' or '\n' || text[i + 1] > 0x7F)
                {
                    return false;
                }

                i++;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')' && --depth < 0)
            {
                return false;
            }
            else if ((c < 0x20 && c != '\t') || c == 0x7F)
            {
                return false;
            }
        }

        return depth == 0;
    }
}
