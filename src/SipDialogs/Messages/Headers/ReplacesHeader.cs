using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// The value of a Replaces header field (RFC 3891 §6.1): the dialog an INVITE is to replace, named by its
/// Call-ID and both tags, e.g. when a REFER for attended transfer carries it in the Refer-To URI (RFC 3891 §3).
/// </summary>
/// <remarks>
/// The tags are named from the point of view of the UA that receives the INVITE: <see cref="ToTag"/> is its own
/// local tag and <see cref="FromTag"/> its peer's (RFC 3891 §3).
/// </remarks>
public sealed class ReplacesHeader
{
    /// <summary>Creates a Replaces value.</summary>
    /// <param name="callId">The Call-ID of the dialog to replace: <c>word ["@" word]</c>.</param>
    /// <param name="toTag">The to-tag, a <c>token</c>.</param>
    /// <param name="fromTag">The from-tag, a <c>token</c>.</param>
    /// <param name="earlyOnly">Whether to add the early-only flag (RFC 3891 §3: replace only an early dialog).</param>
    /// <exception cref="ArgumentException">A value does not follow the grammar.</exception>
    public ReplacesHeader(string callId, string toTag, string fromTag, bool earlyOnly = false)
        : this(callId, new SipParameters())
    {
        if (!SipGrammar.IsToken(toTag))
        {
            throw new ArgumentException("The to-tag must be a token (RFC 3891 §6.1).", nameof(toTag));
        }

        if (!SipGrammar.IsToken(fromTag))
        {
            throw new ArgumentException("The from-tag must be a token (RFC 3891 §6.1).", nameof(fromTag));
        }

        Parameters.Set("to-tag", toTag);
        Parameters.Set("from-tag", fromTag);
        if (earlyOnly)
        {
            Parameters.Set("early-only", null);
        }
    }

    private ReplacesHeader(string callId, SipParameters parameters)
    {
        if (!SipGrammar.IsCallId(callId))
        {
            throw new ArgumentException("The Call-ID must be word [\"@\" word] (RFC 3261 §25.1).", nameof(callId));
        }

        CallId = callId;
        Parameters = parameters;
    }

    /// <summary>The Call-ID of the dialog to replace, compared case-sensitively (RFC 3261 §20.8).</summary>
    public string CallId { get; }

    /// <summary>The to-tag: the tag of the receiver of the INVITE in the dialog to replace (RFC 3891 §3).</summary>
    public string ToTag => Parameters["to-tag"] ?? string.Empty;

    /// <summary>The from-tag: the tag of the receiver's peer in the dialog to replace (RFC 3891 §3).</summary>
    public string FromTag => Parameters["from-tag"] ?? string.Empty;

    /// <summary>Whether the early-only flag is present: replace the dialog only while it is early (RFC 3891 §3).</summary>
    public bool EarlyOnly => Parameters.Contains("early-only");

    /// <summary>Every parameter in the order written, the tags and flag included.</summary>
    public SipParameters Parameters { get; }

    /// <summary>
    /// Parses a Replaces header field value (RFC 3891 §6.1): <c>callid *(SEMI replaces-param)</c>, where the
    /// to-tag and from-tag parameters are required tokens and early-only is a flag.
    /// </summary>
    /// <param name="value">The header field value, unfolded (and unescaped, when taken from a URI).</param>
    /// <param name="result">The parsed value, or <see langword="null"/> on failure.</param>
    /// <param name="reason">
    /// <see cref="SipRejectReason.MalformedHeader"/> for a bad Call-ID or a missing tag;
    /// <see cref="SipRejectReason.MalformedParameter"/> for a bad tag, an early-only with a value or another bad parameter.
    /// </param>
    /// <returns>Whether the value is a valid Replaces.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, [NotNullWhen(true)] out ReplacesHeader? result, out SipRejectReason reason)
    {
        result = null;
        value = SipGrammar.TrimWhitespace(value);
        int end = value.IndexOfAny("; \t");
        ReadOnlySpan<char> callId = end < 0 ? value : value[..end];
        if (!SipGrammar.IsCallId(callId))
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        if (!SipGrammar.TryParseHeaderParameters(value[callId.Length..], out SipParameters? parameters, out reason))
        {
            return false;
        }

        if (!parameters.Contains("to-tag") || !parameters.Contains("from-tag"))
        {
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        if (!SipGrammar.IsValidTokenParameter(parameters, "to-tag", out reason) ||
            !SipGrammar.IsValidTokenParameter(parameters, "from-tag", out reason))
        {
            return false;
        }

        if (parameters.TryGetValue("early-only", out string? early) && early is not null)
        {
            reason = SipRejectReason.MalformedParameter;
            return false;
        }

        result = new ReplacesHeader(callId.ToString(), parameters);
        return true;
    }

    /// <summary>The canonical header field value, e.g. <c>98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff</c>.</summary>
    /// <returns>The Call-ID and the parameters in their order, with no optional white space.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder(CallId.Length + 48);
        builder.Append(CallId);
        Parameters.AppendTo(builder, ';');
        return builder.ToString();
    }
}
