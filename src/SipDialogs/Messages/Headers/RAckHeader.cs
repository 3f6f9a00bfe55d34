using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SipDialogs.Messages;

/// <summary>
/// The value of an RAck header field (RFC 3262 §7.2), carried in a PRACK to acknowledge a reliable provisional
/// response: the response's RSeq number and the CSeq number and method of the request it answered.
/// </summary>
public sealed class RAckHeader
{
    /// <summary>Creates an RAck value.</summary>
    /// <param name="responseNumber">The RSeq of the acknowledged response, 1 to 2^32-1 (RFC 3262 §7.1).</param>
    /// <param name="cseqNumber">The CSeq number of the request it answered, at most <see cref="CSeqHeader.MaxNumber"/>.</param>
    /// <param name="method">The method of that request, a <c>token</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A number is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="method"/> is not a token.</exception>
    public RAckHeader(uint responseNumber, uint cseqNumber, string method)
    {
        ArgumentOutOfRangeException.ThrowIfZero(responseNumber);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cseqNumber, CSeqHeader.MaxNumber);
        if (!SipGrammar.IsToken(method))
        {
            throw new ArgumentException("A method must be a non-empty token (RFC 3261 §25.1).", nameof(method));
        }

        ResponseNumber = responseNumber;
        CSeqNumber = cseqNumber;
        Method = method;
    }

    /// <summary>The RSeq number of the acknowledged provisional response (RFC 3262 §7.2 <c>response-num</c>).</summary>
    public uint ResponseNumber { get; }

    /// <summary>The CSeq number of the request the response answered (RFC 3262 §7.2 <c>CSeq-num</c>).</summary>
    public uint CSeqNumber { get; }

    /// <summary>The method of the request the response answered, compared case-sensitively.</summary>
    public string Method { get; }

    /// <summary>
    /// Parses an RAck header field value: <c>response-num LWS CSeq-num LWS Method</c> (RFC 3262 §7.2).
    /// </summary>
    /// <param name="value">The header field value, unfolded.</param>
    /// <param name="result">The parsed value, or <see langword="null"/> on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.ValueOutOfRange"/> for a response number of 0 or above 2^32-1 or a CSeq number of
    /// 2^31 or more, otherwise <see cref="SipRejectReason.MalformedHeader"/>.
    /// </param>
    /// <returns>Whether the value is a valid RAck.</returns>
    public static bool TryParse(
        ReadOnlySpan<char> value, [NotNullWhen(true)] out RAckHeader? result, out SipRejectReason reason)
    {
        result = null;
        value = SipGrammar.TrimWhitespace(value);
        int index = 0;
        if (!SipGrammar.TryReadNumberAndWhitespace(value, ref index, uint.MaxValue, out ulong response, out reason) ||
            !SipGrammar.TryReadNumberAndWhitespace(value, ref index, CSeqHeader.MaxNumber, out ulong cseq, out reason))
        {
            return false;
        }

        if (response == 0)
        {
            reason = SipRejectReason.ValueOutOfRange;
            return false;
        }

        ReadOnlySpan<char> method = value[index..];
        if (!SipGrammar.IsToken(method))
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        result = new RAckHeader((uint)response, (uint)cseq, SipMethods.Intern(method));
        return true;
    }

    /// <summary>The canonical header field value, e.g. <c>776656 1 INVITE</c>.</summary>
    /// <returns>The two numbers and the method, separated by single spaces.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{ResponseNumber} {CSeqNumber} {Method}");
}
