using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// Parsing and writing of the header fields whose value is a comma-separated list of tokens: Require
/// (RFC 3261 §20.32), Proxy-Require (§20.29), Supported (§20.37), Unsupported (§20.40), Allow (§20.5) and
/// Allow-Events (RFC 6665 §8.2.2).
/// </summary>
/// <remarks>
/// Empty list elements (a value that is empty or only white space, or two commas with nothing between) are
/// skipped, as <see cref="SipHeaderSplitter"/> skips them: Supported and Allow may be empty
/// (RFC 3261 §20.37, §20.5), and joining several header field rows into one (RFC 3261 §7.3.1) must not turn
/// an empty row into an error. A header that needs at least one token, such as Require, checks the count.
/// </remarks>
public static class TokenListHeader
{
    /// <summary>
    /// Parses a whole token-list header field value (every element, not one) and appends the tokens in order.
    /// </summary>
    /// <param name="value">The header field value, unfolded; several rows may have been joined with commas.</param>
    /// <param name="into">The list the tokens are appended to; on failure it is left as it was.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.MalformedHeader"/> when an element is not a single <c>token</c>, e.g. holds
    /// white space, a quote or a semicolon.
    /// </param>
    /// <returns>Whether every element was a token.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="into"/> is <see langword="null"/>.</exception>
    public static bool TryParseTokens(ReadOnlySpan<char> value, List<string> into, out SipRejectReason reason)
    {
        ArgumentNullException.ThrowIfNull(into);
        int initialCount = into.Count;
        if (!TryReadTokens(value, into, out _, out reason))
        {
            into.RemoveRange(initialCount, into.Count - initialCount);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Checks a token-list header field value as <see cref="TryParseTokens"/> does, without allocating.
    /// </summary>
    /// <param name="value">The header field value, unfolded.</param>
    /// <param name="count">How many tokens it holds (empty elements skipped).</param>
    /// <param name="reason">As <see cref="TryParseTokens"/> gives it.</param>
    /// <returns>Whether every element is a token.</returns>
    internal static bool TryValidateTokens(ReadOnlySpan<char> value, out int count, out SipRejectReason reason) =>
        TryReadTokens(value, into: null, out count, out reason);

    private static bool TryReadTokens(ReadOnlySpan<char> value, List<string>? into, out int count, out SipRejectReason reason)
    {
        count = 0;
        while (true)
        {
            int comma = value.IndexOf(',');
            ReadOnlySpan<char> element = SipGrammar.TrimWhitespace(comma < 0 ? value : value[..comma]);
            if (!element.IsEmpty)
            {
                if (!SipGrammar.IsToken(element))
                {
                    reason = SipRejectReason.MalformedHeader;
                    return false;
                }

                count++;
                into?.Add(SipMethods.Intern(element));
            }

            if (comma < 0)
            {
                reason = default;
                return true;
            }

            value = value[(comma + 1)..];
        }
    }

    /// <summary>Writes tokens as a header field value, e.g. <c>INVITE, ACK, BYE</c>.</summary>
    /// <param name="tokens">The tokens; each must be a <c>token</c>.</param>
    /// <returns>The tokens joined by a comma and a space; empty for an empty list.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tokens"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An element is not a token.</exception>
    public static string Format(IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var builder = new StringBuilder();
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i];
            if (!SipGrammar.IsToken(token))
            {
                throw new ArgumentException($"Element {i} is not a token (RFC 3261 §25.1).", nameof(tokens));
            }

            if (i > 0)
            {
                builder.Append(", ");
            }

            builder.Append(token);
        }

        return builder.ToString();
    }
}
