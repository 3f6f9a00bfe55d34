using System.Globalization;

namespace SipDialogs.Messages;

/// <summary>
/// The value of a CSeq header field (RFC 3261 §20.16): a sequence number and the request method, which order
/// the requests of a dialog and tie a response to its request (RFC 3261 §8.1.1.5, §12.2.1.1).
/// </summary>
/// <param name="Number">
/// The sequence number, at most <see cref="MaxNumber"/>: RFC 3261 §8.1.1.5 requires it to be less than 2^31.
/// </param>
/// <param name="Method">The request method, a case-sensitive <c>token</c> (RFC 3261 §7.1).</param>
/// <remarks>The <see langword="default"/> value has a <see langword="null"/> method and is not a valid CSeq.</remarks>
public readonly record struct CSeqHeader(uint Number, string Method)
{
    /// <summary>The largest sequence number RFC 3261 §8.1.1.5 allows: 2^31 - 1.</summary>
    public const uint MaxNumber = int.MaxValue;

    /// <summary>The sequence number (RFC 3261 §8.1.1.5), at most <see cref="MaxNumber"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">On construction, when larger than <see cref="MaxNumber"/>.</exception>
    public uint Number { get; } = Number <= MaxNumber
        ? Number
        : throw new ArgumentOutOfRangeException(nameof(Number), Number, "RFC 3261 §8.1.1.5: a CSeq number must be less than 2^31.");

    /// <summary>The request method (RFC 3261 §7.1), compared case-sensitively.</summary>
    /// <exception cref="ArgumentException">On construction, when not a <c>token</c>.</exception>
    public string Method { get; } = SipGrammar.IsToken(Method)
        ? Method
        : throw new ArgumentException("A method must be a non-empty token (RFC 3261 §25.1).", nameof(Method));

    /// <summary>
    /// Parses a CSeq header field value, <c>1*DIGIT LWS Method</c> (RFC 3261 §20.16, §25.1).
    /// </summary>
    /// <param name="value">The header field value, unfolded.</param>
    /// <param name="result">The parsed value, or <see langword="default"/> on failure.</param>
    /// <param name="reason">
    /// Why the value was refused: <see cref="SipRejectReason.ValueOutOfRange"/> for a number of 2^31 or more
    /// (RFC 3261 §8.1.1.5; e.g. the RFC 4475 §3.1.2.4 <c>scalar02</c> message), otherwise
    /// <see cref="SipRejectReason.MalformedHeader"/>.
    /// </param>
    /// <returns>Whether the value is a valid CSeq.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, out CSeqHeader result, out SipRejectReason reason)
    {
        result = default;
        value = SipGrammar.TrimWhitespace(value);
        int index = 0;
        if (!SipGrammar.TryReadNumberAndWhitespace(value, ref index, MaxNumber, out ulong number, out reason))
        {
            return false;
        }

        ReadOnlySpan<char> method = value[index..];
        if (!SipGrammar.IsToken(method))
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        result = new CSeqHeader((uint)number, SipMethods.Intern(method));
        return true;
    }

    /// <summary>The canonical header field value, e.g. <c>4711 INVITE</c>.</summary>
    /// <returns>The number, one space and the method.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Number} {Method}");
}
