namespace SipDialogs.Messages;

/// <summary>
/// Splits the value of a comma-separated header field (RFC 3261 §7.3.1: <c>field-name: value *(COMMA value)</c>)
/// into its elements without allocating, so that each can go to its typed parser.
/// </summary>
/// <remarks>
/// <para>
/// A comma splits only at the top level: not inside a <c>quoted-string</c> (where a backslash escapes the next
/// character, RFC 3261 §25.1 <c>quoted-pair</c>) and not inside the angle brackets of a <c>name-addr</c>, whose
/// URI may hold a comma (RFC 3261 §20.10). White space (SP, HTAB) around each element is trimmed.
/// </para>
/// <para>
/// Empty elements are skipped: the grammar never produces one, but RFC 3261 §7.3.1 lets a message carry a list
/// as several rows that are equivalent to one row joined with commas, and a row of a header that may be empty
/// (Supported, Allow) joined that way leaves an empty element that means nothing.
/// </para>
/// <para>
/// Not every header whose grammar has commas is a list: WWW-Authenticate, Proxy-Authenticate, Authorization and
/// Proxy-Authorization (RFC 3261 §20.7, §20.27, §20.28, §20.44) separate their parameters with commas and
/// must reach <see cref="AuthHeader"/> whole; so must a header that is not a list at all, such as Date.
/// </para>
/// </remarks>
public static class SipHeaderSplitter
{
    /// <summary>
    /// Appends to <paramref name="into"/> the range of each non-empty element of <paramref name="value"/>,
    /// trimmed of white space, in order.
    /// </summary>
    /// <param name="value">The header field value, unfolded.</param>
    /// <param name="into">The list the ranges, relative to <paramref name="value"/>, are appended to; on failure it is left as it was.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.UnterminatedQuotedString"/> when a quoted string is not closed, or
    /// <see cref="SipRejectReason.MalformedHeader"/> when a <c>&lt;</c> has no <c>&gt;</c>.
    /// </param>
    /// <returns>Whether the value could be split.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="into"/> is <see langword="null"/>.</exception>
    public static bool TrySplit(ReadOnlySpan<char> value, List<Range> into, out SipRejectReason reason)
    {
        ArgumentNullException.ThrowIfNull(into);
        int initialCount = into.Count;
        int start = 0;
        while (true)
        {
            if (!TryFindElementEnd(value, start, out int end, out reason))
            {
                into.RemoveRange(initialCount, into.Count - initialCount);
                return false;
            }

            Range element = Trim(value, start, end);
            if (element.End.Value > element.Start.Value)
            {
                into.Add(element);
            }

            if (end == value.Length)
            {
                return true;
            }

            start = end + 1;
        }
    }

    /// <summary>
    /// Finds where the element that starts at <paramref name="start"/> ends: at the next top-level comma, or at the
    /// end of <paramref name="value"/>. <see cref="TrySplit"/> is made of it; a check that needs no list of ranges
    /// walks the elements with it, without allocating.
    /// </summary>
    /// <param name="value">The header field value, unfolded.</param>
    /// <param name="start">Where the element starts.</param>
    /// <param name="end">The index of the comma that ends it, or the length of the value.</param>
    /// <param name="reason">As <see cref="TrySplit"/> gives it.</param>
    /// <returns>False when a quoted string or a '&lt;' is not closed.</returns>
    internal static bool TryFindElementEnd(ReadOnlySpan<char> value, int start, out int end, out SipRejectReason reason)
    {
        int i = start;
        while (true)
        {
            int special = value[i..].IndexOfAny('"', '<', ',');
            if (special < 0)
            {
                end = value.Length;
                reason = default;
                return true;
            }

            i += special;
            switch (value[i])
            {
                case ',':
                    end = i;
                    reason = default;
                    return true;

                case '"':
                    if (!TrySkipQuotedString(value, ref i))
                    {
                        end = -1;
                        reason = SipRejectReason.UnterminatedQuotedString;
                        return false;
                    }

                    break;

                default:
                    // Inside <...> everything up to the first '>' is URI: RFC 3261 §25.1 lets no URI hold a
                    // raw '<', '>' or DQUOTE, so there is nothing to nest or quote.
                    int close = value[i..].IndexOf('>');
                    if (close < 0)
                    {
                        end = -1;
                        reason = SipRejectReason.MalformedHeader;
                        return false;
                    }

                    i += close + 1;
                    break;
            }
        }
    }

    /// <summary>The element between <paramref name="start"/> and <paramref name="end"/>, trimmed of SP and HTAB; empty when nothing is left.</summary>
    internal static Range Trim(ReadOnlySpan<char> value, int start, int end)
    {
        while (start < end && SipGrammar.IsWhitespace(value[start]))
        {
            start++;
        }

        while (end > start && SipGrammar.IsWhitespace(value[end - 1]))
        {
            end--;
        }

        return new Range(start, end);
    }

    private static bool TrySkipQuotedString(ReadOnlySpan<char> value, ref int index)
    {
        int i = index + 1;
        while (i < value.Length)
        {
            int special = value[i..].IndexOfAny('"', '\\');
            if (special < 0)
            {
                return false;
            }

            i += special;
            if (value[i] == '"')
            {
                index = i + 1;
                return true;
            }

            // A quoted-pair: the escaped character cannot close the string.
            i += 2;
        }

        return false;
    }
}
