using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// One <c>reason-value</c> of a Reason header field (RFC 3326 §2): why a request such as BYE or CANCEL was sent,
/// as a protocol, a cause code of that protocol and a free text, e.g. <c>Q.850;cause=16;text="Terminated"</c>.
/// </summary>
public sealed class ReasonHeader
{
    /// <summary>The protocol whose causes are SIP status codes (RFC 3326 §2).</summary>
    public const string SipProtocol = "SIP";

    /// <summary>The protocol whose causes are ITU-T Q.850 cause values (RFC 3326 §2).</summary>
    public const string Q850Protocol = "Q.850";

    /// <summary>Creates a Reason value.</summary>
    /// <param name="protocol">The protocol, e.g. <see cref="SipProtocol"/> or <see cref="Q850Protocol"/>: a <c>token</c>.</param>
    /// <param name="cause">The cause code, or <see langword="null"/>.</param>
    /// <param name="text">The text, unescaped (it is written as a quoted string), or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A value does not follow the grammar.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cause"/> is negative.</exception>
    public ReasonHeader(string protocol, int? cause = null, string? text = null)
        : this(protocol, new SipParameters())
    {
        if (cause is int code)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(code, nameof(cause));
            Parameters.Set("cause", code.ToString(CultureInfo.InvariantCulture));
        }

        if (text is not null)
        {
            if (!SipGrammar.IsQuotable(text))
            {
                throw new ArgumentException("The text cannot hold CR or LF.", nameof(text));
            }

            Parameters.Set("text", SipGrammar.Quote(text));
        }
    }

    private ReasonHeader(string protocol, SipParameters parameters)
    {
        if (!SipGrammar.IsToken(protocol))
        {
            throw new ArgumentException("The protocol must be a token (RFC 3326 §2).", nameof(protocol));
        }

        Protocol = protocol;
        Parameters = parameters;
    }

    /// <summary>The protocol as written, e.g. "SIP" or "Q.850"; compared ignoring case.</summary>
    public string Protocol { get; }

    /// <summary>The cause parameter (RFC 3326 §2 <c>protocol-cause</c>), or <see langword="null"/> when absent.</summary>
    public int? Cause => TryParseCause(Parameters["cause"], out int cause, out _) ? cause : null;

    /// <summary>The text parameter without its quotes and escapes (RFC 3326 §2 <c>reason-text</c>), or <see langword="null"/>.</summary>
    public string? Text => SipGrammar.UnquoteIfQuoted(Parameters["text"]);

    /// <summary>Every parameter in the order written, values as written (the text with its quotes).</summary>
    public SipParameters Parameters { get; }

    /// <summary>
    /// Parses one <c>reason-value</c> (RFC 3326 §2): <c>protocol *(SEMI reason-params)</c>, where
    /// <c>cause = 1*DIGIT</c> and <c>text</c> is a quoted-string. A text written as a bare token is accepted too,
    /// as some senders do.
    /// </summary>
    /// <param name="value">One element of the Reason header field, unfolded.</param>
    /// <param name="result">The parsed value, or <see langword="null"/> on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.MalformedHeader"/> for a bad protocol; <see cref="SipRejectReason.ValueOutOfRange"/>
    /// for a cause above 2^31-1; <see cref="SipRejectReason.MalformedParameter"/> for another bad parameter;
    /// <see cref="SipRejectReason.UnterminatedQuotedString"/> for a text that is not closed.
    /// </param>
    /// <returns>Whether the value is a valid <c>reason-value</c>.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, [NotNullWhen(true)] out ReasonHeader? result, out SipRejectReason reason)
    {
        result = null;
        value = SipGrammar.TrimWhitespace(value);
        int end = SipGrammar.ReadToken(value, 0);
        if (end == 0)
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        if (!SipGrammar.TryParseHeaderParameters(value[end..], out SipParameters? parameters, out reason))
        {
            return false;
        }

        if (parameters.TryGetValue("cause", out string? cause) && !TryParseCause(cause, out _, out reason))
        {
            return false;
        }

        if (parameters.TryGetValue("text", out string? text) &&
            (text is null || !(SipGrammar.IsQuotedString(text) || SipGrammar.IsToken(text))))
        {
            reason = SipRejectReason.MalformedParameter;
            return false;
        }

        ReadOnlySpan<char> protocol = value[..end];
        string protocolText = protocol.SequenceEqual(SipProtocol) ? SipProtocol
            : protocol.SequenceEqual(Q850Protocol) ? Q850Protocol
            : protocol.ToString();
        result = new ReasonHeader(protocolText, parameters);
        return true;
    }

    /// <summary>The canonical <c>reason-value</c>, e.g. <c>SIP;cause=580;text="Precondition Failure"</c>.</summary>
    /// <returns>The protocol and its parameters with no optional white space.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder(Protocol.Length + 32);
        builder.Append(Protocol);
        Parameters.AppendTo(builder, ';');
        return builder.ToString();
    }

    private static bool TryParseCause(string? value, out int cause, out SipRejectReason reason)
    {
        bool ok = SipGrammar.TryParseDigits(value, int.MaxValue, SipRejectReason.MalformedParameter, out ulong parsed, out reason);
        cause = (int)parsed;
        return ok;
    }
}
