namespace SipDialogs.Messages;

/// <summary>
/// Parsers for the header fields whose value is a bare number: Expires, Min-Expires, Min-SE, Max-Forwards,
/// Content-Length and RSeq. Each takes one header field value, unfolded, and refuses a number outside the range
/// its RFC gives with <see cref="SipRejectReason.ValueOutOfRange"/>, however many digits it has.
/// </summary>
public static class SipNumbers
{
    /// <summary>The largest Max-Forwards value (RFC 3261 §20.22): 255.</summary>
    public const int MaxMaxForwards = 255;

    /// <summary>
    /// Parses a <c>delta-seconds</c> value (RFC 3261 §25.1), as carried by Expires (RFC 3261 §20.19),
    /// Min-Expires (§20.23) and Min-SE (RFC 4028 §5): <c>1*DIGIT</c> from 0 to 2^32-1.
    /// </summary>
    /// <param name="value">The header field value.</param>
    /// <param name="seconds">The number of seconds, or 0 on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.ValueOutOfRange"/> above 2^32-1 (e.g. the 10^100 of RFC 4475 §3.1.2.4),
    /// <see cref="SipRejectReason.MalformedHeader"/> when not <c>1*DIGIT</c>.
    /// </param>
    /// <returns>Whether the value is a valid delta-seconds.</returns>
    public static bool TryParseDeltaSeconds(ReadOnlySpan<char> value, out uint seconds, out SipRejectReason reason) =>
        SipGrammar.TryParseDeltaSeconds(
            SipGrammar.TrimWhitespace(value), SipRejectReason.MalformedHeader, out seconds, out reason);

    /// <summary>
    /// Parses a Min-SE header field value (RFC 4028 §5): <c>delta-seconds *(SEMI generic-param)</c>. The
    /// parameters, which RFC 4028 defines none of, are checked and dropped.
    /// </summary>
    /// <param name="value">The header field value.</param>
    /// <param name="seconds">The minimum session interval in seconds, or 0 on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.ValueOutOfRange"/> above 2^32-1, <see cref="SipRejectReason.MalformedHeader"/>
    /// when the number is malformed, or the reason a parameter was refused.
    /// </param>
    /// <returns>Whether the value is a valid Min-SE.</returns>
    public static bool TryParseMinSE(ReadOnlySpan<char> value, out uint seconds, out SipRejectReason reason)
    {
        value = SipGrammar.TrimWhitespace(value);
        int semicolon = value.IndexOf(';');
        if (semicolon < 0)
        {
            return TryParseDeltaSeconds(value, out seconds, out reason);
        }

        if (!TryParseDeltaSeconds(value[..semicolon], out seconds, out reason))
        {
            return false;
        }

        if (!SipGrammar.TryValidateHeaderParameters(value[semicolon..], out _, out reason))
        {
            seconds = 0;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Parses a Max-Forwards header field value (RFC 3261 §20.22): <c>1*DIGIT</c> from 0 to 255.
    /// </summary>
    /// <param name="value">The header field value.</param>
    /// <param name="hops">The number of hops left, or 0 on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.ValueOutOfRange"/> above 255 (e.g. the 300 of RFC 4475 §3.1.2.4),
    /// <see cref="SipRejectReason.MalformedHeader"/> when not <c>1*DIGIT</c>.
    /// </param>
    /// <returns>Whether the value is a valid Max-Forwards.</returns>
    public static bool TryParseMaxForwards(ReadOnlySpan<char> value, out int hops, out SipRejectReason reason)
    {
        bool ok = SipGrammar.TryParseDigits(
            SipGrammar.TrimWhitespace(value), MaxMaxForwards, SipRejectReason.MalformedHeader, out ulong parsed, out reason);
        hops = (int)parsed;
        return ok;
    }

    /// <summary>
    /// Parses a Content-Length header field value (RFC 3261 §20.14): <c>1*DIGIT</c>, the body's size in octets.
    /// </summary>
    /// <param name="value">The header field value.</param>
    /// <param name="length">The body length in bytes, or 0 on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.ValueOutOfRange"/> above <see cref="int.MaxValue"/> (no message can be that
    /// large), <see cref="SipRejectReason.MalformedContentLength"/> when not <c>1*DIGIT</c>.
    /// </param>
    /// <returns>Whether the value is a valid Content-Length.</returns>
    public static bool TryParseContentLength(ReadOnlySpan<char> value, out int length, out SipRejectReason reason)
    {
        bool ok = SipGrammar.TryParseDigits(
            SipGrammar.TrimWhitespace(value), int.MaxValue, SipRejectReason.MalformedContentLength, out ulong parsed, out reason);
        length = (int)parsed;
        return ok;
    }

    /// <summary>
    /// Parses an RSeq header field value (RFC 3262 §7.1): <c>1*DIGIT</c> from 1 to 2^32-1, the sequence number
    /// of a reliable provisional response.
    /// </summary>
    /// <param name="value">The header field value.</param>
    /// <param name="number">The response number, or 0 on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.ValueOutOfRange"/> for 0 or above 2^32-1,
    /// <see cref="SipRejectReason.MalformedHeader"/> when not <c>1*DIGIT</c>.
    /// </param>
    /// <returns>Whether the value is a valid RSeq.</returns>
    public static bool TryParseRSeq(ReadOnlySpan<char> value, out uint number, out SipRejectReason reason)
    {
        if (!SipGrammar.TryParseDeltaSeconds(
            SipGrammar.TrimWhitespace(value), SipRejectReason.MalformedHeader, out number, out reason))
        {
            return false;
        }

        if (number == 0)
        {
            reason = SipRejectReason.ValueOutOfRange;
            return false;
        }

        return true;
    }
}
