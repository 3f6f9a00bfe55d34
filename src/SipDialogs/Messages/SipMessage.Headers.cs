using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SipDialogs.Messages;

/// <content>
/// Typed header accessors. Each decodes its header the first time it is read and keeps the result, so later reads
/// cost nothing. A header that is absent gives <see langword="null"/> or an empty list; a header that is present but
/// malformed makes the property throw <see cref="SipMessageException"/>, naming the header and the fault. Each property
/// has a <c>TryGet</c> method (<see cref="Via"/> has <see cref="TryGetVia"/>, and so on) that returns false with that
/// same <see cref="SipParseError"/> instead: use it on input from the network, where a malformed header is routine.
/// <see cref="TryValidate"/> checks every known header at once. The values returned are shared by every reader of the
/// message: treat them as read-only, and copy one before changing it for a new message.
/// </content>
public abstract partial class SipMessage
{
    private TypedHeaders? _typed;

    // The Via list is held apart from the other decoded headers: the transport decodes it for every request
    // (RFC 3261 §18.2.2), and a request that needs nothing else (an ACK) then makes no TypedHeaders.
    private IReadOnlyList<ViaHeader>? _via;

    /// <summary>Parses one element of a header value (or a whole value) into a typed object.</summary>
    private delegate bool ElementParser<T>(ReadOnlySpan<char> value, [NotNullWhen(true)] out T? result, out SipRejectReason reason)
        where T : class;

    /// <summary>Parses a header value that is a bare number.</summary>
    private delegate bool NumberParser<T>(ReadOnlySpan<char> value, out T result, out SipRejectReason reason)
        where T : struct;

    /// <summary>
    /// Every Via value, topmost first, with comma-separated values split (RFC 3261 §20.42, §7.3.1).
    /// </summary>
    /// <exception cref="SipMessageException">A Via value is malformed.
    /// <see cref="TryGetVia"/> reports it without an exception.</exception>
    public IReadOnlyList<ViaHeader> Via =>
        TryGetVia(out IReadOnlyList<ViaHeader>? values, out SipParseError error) ? values : throw new SipMessageException(error);

    /// <summary>The From header (RFC 3261 §20.20): the initiator of the request, with its tag (§19.3).</summary>
    /// <exception cref="SipMessageException">From is malformed, or absent from a message the parser rejected.
    /// <see cref="TryGetFrom"/> reports it without an exception.</exception>
    public NameAddress From =>
        TryGetFrom(out NameAddress? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>The To header (RFC 3261 §20.39): the logical recipient, with its tag once in a dialog (§19.3).</summary>
    /// <exception cref="SipMessageException">To is malformed, or absent from a message the parser rejected.
    /// <see cref="TryGetTo"/> reports it without an exception.</exception>
    public NameAddress To =>
        TryGetTo(out NameAddress? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>
    /// The CSeq (RFC 3261 §20.16): the sequence number and method. For a message the parser accepted this is
    /// <see cref="CSeqNumber"/> and <see cref="CSeqMethod"/>, without decoding again.
    /// </summary>
    /// <exception cref="SipMessageException">CSeq is malformed, or absent from a message the parser rejected.
    /// <see cref="TryGetCSeq"/> reports it without an exception.</exception>
    public CSeqHeader CSeq =>
        TryGetCSeq(out CSeqHeader value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>
    /// Max-Forwards (RFC 3261 §20.22), 0–255, or <see langword="null"/> when absent (as in RFC 2543 requests). A proxy
    /// answers a request whose value is 0 with 483 Too Many Hops (RFC 3261 §16.3 step 2); a UAS ignores it.
    /// </summary>
    /// <exception cref="SipMessageException">The value is not a number or above 255.
    /// <see cref="TryGetMaxForwards"/> reports it without an exception.</exception>
    public int? MaxForwards =>
        TryGetMaxForwards(out int? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>
    /// Every Contact value (RFC 3261 §20.10), comma-separated values split; a REGISTER may carry the single wildcard
    /// <see cref="ContactHeader.Star"/> (§10.2.2).
    /// </summary>
    /// <exception cref="SipMessageException">A Contact value is malformed, e.g. its expires is above 2^32-1.
    /// <see cref="TryGetContact"/> reports it without an exception.</exception>
    public IReadOnlyList<ContactHeader> Contact =>
        TryGetContact(out IReadOnlyList<ContactHeader>? values, out SipParseError error) ? values : throw new SipMessageException(error);

    /// <summary>Every Route value (RFC 3261 §20.34), in order: the route the request is to follow.</summary>
    /// <exception cref="SipMessageException">A Route value is malformed.
    /// <see cref="TryGetRoute"/> reports it without an exception.</exception>
    public IReadOnlyList<NameAddress> Route =>
        TryGetRoute(out IReadOnlyList<NameAddress>? values, out SipParseError error) ? values : throw new SipMessageException(error);

    /// <summary>Every Record-Route value (RFC 3261 §20.30), in order: the proxies that stay on the dialog's path.</summary>
    /// <exception cref="SipMessageException">A Record-Route value is malformed.
    /// <see cref="TryGetRecordRoute"/> reports it without an exception.</exception>
    public IReadOnlyList<NameAddress> RecordRoute =>
        TryGetRecordRoute(out IReadOnlyList<NameAddress>? values, out SipParseError error) ? values : throw new SipMessageException(error);

    /// <summary>
    /// The length of <see cref="SipMessage.Body"/> in bytes: the Content-Length the parser checked (RFC 3261 §20.14,
    /// §18.3), or the rest of the datagram when the header is absent.
    /// </summary>
    public int ContentLength => _bodyLength;

    /// <summary>
    /// The Content-Type (RFC 3261 §20.15), or <see langword="null"/> when absent. A UAS answers a body of a type it
    /// does not understand with 415 Unsupported Media Type (§8.2.3).
    /// </summary>
    /// <exception cref="SipMessageException">The value is not a media type.
    /// <see cref="TryGetContentType"/> reports it without an exception.</exception>
    public ContentTypeHeader? ContentType =>
        TryGetContentType(out ContentTypeHeader? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>Expires (RFC 3261 §20.19) in seconds, or <see langword="null"/> when absent.</summary>
    /// <exception cref="SipMessageException">The value is not delta-seconds or above 2^32-1.
    /// <see cref="TryGetExpires"/> reports it without an exception.</exception>
    public uint? Expires =>
        TryGetExpires(out uint? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>
    /// The option tags of every Require row (RFC 3261 §20.32). A UAS answers a request that requires an extension it
    /// does not support with 420 Bad Extension, listing them in Unsupported (§8.2.2.3).
    /// </summary>
    /// <exception cref="SipMessageException">An element is not a token, or a row is empty.
    /// <see cref="TryGetRequire"/> reports it without an exception.</exception>
    public IReadOnlyList<string> Require =>
        TryGetRequire(out IReadOnlyList<string>? values, out SipParseError error) ? values : throw new SipMessageException(error);

    /// <summary>
    /// The option tags of every Proxy-Require row (RFC 3261 §20.29). A proxy answers a request that requires an
    /// extension it does not support with 420 Bad Extension (§16.3 step 5).
    /// </summary>
    /// <exception cref="SipMessageException">An element is not a token, or a row is empty.
    /// <see cref="TryGetProxyRequire"/> reports it without an exception.</exception>
    public IReadOnlyList<string> ProxyRequire =>
        TryGetProxyRequire(out IReadOnlyList<string>? values, out SipParseError error) ? values : throw new SipMessageException(error);

    /// <summary>The option tags of every Supported row (RFC 3261 §20.37); may be empty.</summary>
    /// <exception cref="SipMessageException">An element is not a token.
    /// <see cref="TryGetSupported"/> reports it without an exception.</exception>
    public IReadOnlyList<string> Supported =>
        TryGetSupported(out IReadOnlyList<string>? values, out SipParseError error) ? values : throw new SipMessageException(error);

    /// <summary>The option tags of every Unsupported row (RFC 3261 §20.40).</summary>
    /// <exception cref="SipMessageException">An element is not a token, or a row is empty.
    /// <see cref="TryGetUnsupported"/> reports it without an exception.</exception>
    public IReadOnlyList<string> Unsupported =>
        TryGetUnsupported(out IReadOnlyList<string>? values, out SipParseError error) ? values : throw new SipMessageException(error);

    /// <summary>The methods of every Allow row (RFC 3261 §20.5); may be empty.</summary>
    /// <exception cref="SipMessageException">An element is not a token.
    /// <see cref="TryGetAllow"/> reports it without an exception.</exception>
    public IReadOnlyList<string> Allow =>
        TryGetAllow(out IReadOnlyList<string>? values, out SipParseError error) ? values : throw new SipMessageException(error);

    /// <summary>The Event header (RFC 6665 §8.2.1), or <see langword="null"/> when absent.</summary>
    /// <exception cref="SipMessageException">The value is malformed, or repeated with a different value.
    /// <see cref="TryGetEvent"/> reports it without an exception.</exception>
    public EventHeader? Event =>
        TryGetEvent(out EventHeader? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>The Subscription-State header (RFC 6665 §8.2.3), or <see langword="null"/> when absent.</summary>
    /// <exception cref="SipMessageException">The value is malformed, or repeated with a different value.
    /// <see cref="TryGetSubscriptionState"/> reports it without an exception.</exception>
    public SubscriptionStateHeader? SubscriptionState =>
        TryGetSubscriptionState(out SubscriptionStateHeader? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>The Refer-To header (RFC 3515 §2.1), or <see langword="null"/> when absent.</summary>
    /// <exception cref="SipMessageException">The value is malformed, or repeated with a different value.
    /// <see cref="TryGetReferTo"/> reports it without an exception.</exception>
    public ReferToHeader? ReferTo =>
        TryGetReferTo(out ReferToHeader? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>The Referred-By header (RFC 3892 §3), or <see langword="null"/> when absent.</summary>
    /// <exception cref="SipMessageException">The value is malformed, or repeated with a different value.
    /// <see cref="TryGetReferredBy"/> reports it without an exception.</exception>
    public ReferredByHeader? ReferredBy =>
        TryGetReferredBy(out ReferredByHeader? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>The Replaces header (RFC 3891 §6.1), or <see langword="null"/> when absent.</summary>
    /// <exception cref="SipMessageException">The value is malformed, or repeated with a different value.
    /// <see cref="TryGetReplaces"/> reports it without an exception.</exception>
    public ReplacesHeader? Replaces =>
        TryGetReplaces(out ReplacesHeader? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>RSeq (RFC 3262 §7.1), 1 to 2^32-1, or <see langword="null"/> when absent.</summary>
    /// <exception cref="SipMessageException">The value is not a number in range, or repeated with a different value.
    /// <see cref="TryGetRSeq"/> reports it without an exception.</exception>
    public uint? RSeq =>
        TryGetRSeq(out uint? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>The RAck header of a PRACK (RFC 3262 §7.2), or <see langword="null"/> when absent.</summary>
    /// <exception cref="SipMessageException">The value is malformed, or repeated with a different value.
    /// <see cref="TryGetRAck"/> reports it without an exception.</exception>
    public RAckHeader? RAck =>
        TryGetRAck(out RAckHeader? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>The Session-Expires header (RFC 4028 §4), or <see langword="null"/> when absent.</summary>
    /// <exception cref="SipMessageException">The value is malformed, or repeated with a different value.
    /// <see cref="TryGetSessionExpires"/> reports it without an exception.</exception>
    public SessionExpiresHeader? SessionExpires =>
        TryGetSessionExpires(out SessionExpiresHeader? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>Min-SE (RFC 4028 §5) in seconds, or <see langword="null"/> when absent.</summary>
    /// <exception cref="SipMessageException">The value is malformed, or repeated with a different value.
    /// <see cref="TryGetMinSE"/> reports it without an exception.</exception>
    public uint? MinSE =>
        TryGetMinSE(out uint? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>Every Reason value (RFC 3326 §2), comma-separated values split.</summary>
    /// <exception cref="SipMessageException">A Reason value is malformed.
    /// <see cref="TryGetReason"/> reports it without an exception.</exception>
    public IReadOnlyList<ReasonHeader> Reason =>
        TryGetReason(out IReadOnlyList<ReasonHeader>? values, out SipParseError error) ? values : throw new SipMessageException(error);

    /// <summary>The Retry-After header (RFC 3261 §20.33), or <see langword="null"/> when absent.</summary>
    /// <exception cref="SipMessageException">The value is malformed, or repeated with a different value.
    /// <see cref="TryGetRetryAfter"/> reports it without an exception.</exception>
    public RetryAfterHeader? RetryAfter =>
        TryGetRetryAfter(out RetryAfterHeader? value, out SipParseError error) ? value : throw new SipMessageException(error);

    /// <summary>Every WWW-Authenticate challenge (RFC 3261 §20.44), one per row.</summary>
    /// <exception cref="SipMessageException">A challenge is malformed.
    /// <see cref="TryGetWwwAuthenticate"/> reports it without an exception.</exception>
    public IReadOnlyList<AuthHeader> WwwAuthenticate =>
        TryGetWwwAuthenticate(out IReadOnlyList<AuthHeader>? values, out SipParseError error)
            ? values
            : throw new SipMessageException(error);

    /// <summary>Every Proxy-Authenticate challenge (RFC 3261 §20.27), one per row.</summary>
    /// <exception cref="SipMessageException">A challenge is malformed.
    /// <see cref="TryGetProxyAuthenticate"/> reports it without an exception.</exception>
    public IReadOnlyList<AuthHeader> ProxyAuthenticate =>
        TryGetProxyAuthenticate(out IReadOnlyList<AuthHeader>? values, out SipParseError error)
            ? values
            : throw new SipMessageException(error);

    /// <summary>
    /// Every Authorization credential (RFC 3261 §20.7), one per row. A registrar that authenticates answers
    /// credentials of a scheme it does not know with a new challenge, 401 (§22.1, RFC 4475 §3.3.7).
    /// </summary>
    /// <exception cref="SipMessageException">A credential is malformed.
    /// <see cref="TryGetAuthorization"/> reports it without an exception.</exception>
    public IReadOnlyList<AuthHeader> Authorization =>
        TryGetAuthorization(out IReadOnlyList<AuthHeader>? values, out SipParseError error)
            ? values
            : throw new SipMessageException(error);

    /// <summary>Every Proxy-Authorization credential (RFC 3261 §20.28), one per row.</summary>
    /// <exception cref="SipMessageException">A credential is malformed.
    /// <see cref="TryGetProxyAuthorization"/> reports it without an exception.</exception>
    public IReadOnlyList<AuthHeader> ProxyAuthorization =>
        TryGetProxyAuthorization(out IReadOnlyList<AuthHeader>? values, out SipParseError error)
            ? values
            : throw new SipMessageException(error);

    /// <summary>
    /// The decoded headers, made by the first typed read. Readers on several threads share one instance: the first
    /// to publish it wins, and a reader that lost the race uses the winner's.
    /// </summary>
    private TypedHeaders Typed
    {
        get
        {
            TypedHeaders? typed = Volatile.Read(ref _typed);
            if (typed is not null)
            {
                return typed;
            }

            var mine = new TypedHeaders();
            return Interlocked.CompareExchange(ref _typed, mine, null) ?? mine;
        }
    }

    /// <summary>
    /// Drops the decoded header objects, keeping the bytes and the index: a transaction that outlives its work
    /// (RFC 6026 Accepted, RFC 3261 Completed, up to 64*T1) holds far less. A later typed read decodes again. Only for
    /// a message no application code has seen: one handed to the application is never changed afterwards (its
    /// transaction keeps a <see cref="CopyIndex"/> instead).
    /// </summary>
    internal void ReleaseDecodedHeaders()
    {
        Volatile.Write(ref _typed, null);
        Volatile.Write(ref _via, null);
    }

    /// <summary>Whether decoded header objects are held (tests read it).</summary>
    internal bool HasDecodedHeaders => _typed is not null || _via is not null;

    /// <summary>Where the value of header line <paramref name="index"/> starts in <see cref="Buffer"/>.</summary>
    internal int GetHeaderValueOffset(int index) => Entry(index).ValueStart;

    /// <summary>Reads <see cref="Via"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="values">Every value in order, empty when the header is absent; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.Via"/> and where its value starts.</param>
    /// <returns>False when a value is malformed.</returns>
    public bool TryGetVia([NotNullWhen(true)] out IReadOnlyList<ViaHeader>? values, out SipParseError error) =>
        TryDecodeList(SipHeaderKind.Via, ViaHeader.TryParse, ref _via, out values, out error);

    /// <summary>Reads <see cref="From"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.From"/> and where its value starts.</param>
    /// <returns>False when the header is malformed, or absent from a message the parser rejected.</returns>
    public bool TryGetFrom([NotNullWhen(true)] out NameAddress? value, out SipParseError error) =>
        TryDecodeRequired(SipHeaderKind.From, ref Typed.From, out value, out error);

    /// <summary>Reads <see cref="To"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.To"/> and where its value starts.</param>
    /// <returns>False when the header is malformed, or absent from a message the parser rejected.</returns>
    public bool TryGetTo([NotNullWhen(true)] out NameAddress? value, out SipParseError error) =>
        TryDecodeRequired(SipHeaderKind.To, ref Typed.To, out value, out error);

    /// <summary>Reads <see cref="CSeq"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The CSeq; default when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.CSeq"/> and where its value starts.</param>
    /// <returns>False when the header is malformed, or absent from a message the parser rejected.</returns>
    public bool TryGetCSeq(out CSeqHeader value, out SipParseError error)
    {
        if (_cseqMethod.Length > 0)
        {
            // Already checked by the parser (RFC 3261 §8.1.1.5).
            value = new CSeqHeader(_cseqNumber, _cseqMethod);
            error = default;
            return true;
        }

        int index = IndexOfHeader(SipHeaderKind.CSeq);
        if (index < 0)
        {
            value = default;
            error = new SipParseError(SipRejectReason.MissingHeader, SipHeaderKind.CSeq);
            return false;
        }

        if (!CSeqHeader.TryParse(GetHeaderValue(index), out value, out SipRejectReason reason))
        {
            error = Fault(reason, index);
            return false;
        }

        error = default;
        return true;
    }

    /// <summary>Reads <see cref="MaxForwards"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header's value, or null when it is absent or malformed.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.MaxForwards"/> and where its value starts.</param>
    /// <returns>False when the header is malformed.</returns>
    public bool TryGetMaxForwards(out int? value, out SipParseError error) =>
        TryDecodeNumber(
            SipHeaderKind.MaxForwards, SipNumbers.TryParseMaxForwards, ref Typed.MaxForwards, ref Typed.MaxForwardsDecoded, out value, out error);

    /// <summary>Reads <see cref="Contact"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="values">Every value in order, empty when the header is absent; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.Contact"/> and where its value starts.</param>
    /// <returns>False when a value is malformed.</returns>
    public bool TryGetContact([NotNullWhen(true)] out IReadOnlyList<ContactHeader>? values, out SipParseError error)
    {
        if (!TryDecodeList(SipHeaderKind.Contact, ContactHeader.TryParse, ref Typed.Contact, out values, out error))
        {
            return false;
        }

        // RFC 3261 §20.10, §25.1: Contact = ( STAR / contact-param *(COMMA contact-param) ); the wildcard stands alone.
        if (values.Count > 1)
        {
            for (int i = 0; i < values.Count; i++)
            {
                if (values[i].IsStar)
                {
                    values = null;
                    error = Fault(SipRejectReason.MalformedHeader, IndexOfHeader(SipHeaderKind.Contact));
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Reads <see cref="Route"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="values">Every value in order, empty when the header is absent; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.Route"/> and where its value starts.</param>
    /// <returns>False when a value is malformed.</returns>
    public bool TryGetRoute([NotNullWhen(true)] out IReadOnlyList<NameAddress>? values, out SipParseError error) =>
        TryDecodeList(SipHeaderKind.Route, NameAddress.TryParse, ref Typed.Route, out values, out error);

    /// <summary>Reads <see cref="RecordRoute"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="values">Every value in order, empty when the header is absent; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.RecordRoute"/> and where its value starts.</param>
    /// <returns>False when a value is malformed.</returns>
    public bool TryGetRecordRoute([NotNullWhen(true)] out IReadOnlyList<NameAddress>? values, out SipParseError error) =>
        TryDecodeList(SipHeaderKind.RecordRoute, NameAddress.TryParse, ref Typed.RecordRoute, out values, out error);

    /// <summary>Reads <see cref="ContentType"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header's value, or null when it is absent or malformed.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.ContentType"/> and where its value starts.</param>
    /// <returns>False when the header is malformed.</returns>
    public bool TryGetContentType(out ContentTypeHeader? value, out SipParseError error) =>
        TryDecodeSingle(SipHeaderKind.ContentType, ContentTypeHeader.TryParse, ref Typed.ContentType, out value, out error);

    /// <summary>Reads <see cref="Expires"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header's value, or null when it is absent or malformed.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.Expires"/> and where its value starts.</param>
    /// <returns>False when the header is malformed.</returns>
    public bool TryGetExpires(out uint? value, out SipParseError error) =>
        TryDecodeNumber(
            SipHeaderKind.Expires, SipNumbers.TryParseDeltaSeconds, ref Typed.Expires, ref Typed.ExpiresDecoded, out value, out error);

    /// <summary>Reads <see cref="Require"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="values">Every value in order, empty when the header is absent; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.Require"/> and where its value starts.</param>
    /// <returns>False when a value is malformed.</returns>
    public bool TryGetRequire([NotNullWhen(true)] out IReadOnlyList<string>? values, out SipParseError error) =>
        TryDecodeTokens(SipHeaderKind.Require, allowEmpty: false, ref Typed.Require, out values, out error);

    /// <summary>Reads <see cref="ProxyRequire"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="values">Every value in order, empty when the header is absent; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.ProxyRequire"/> and where its value starts.</param>
    /// <returns>False when a value is malformed.</returns>
    public bool TryGetProxyRequire([NotNullWhen(true)] out IReadOnlyList<string>? values, out SipParseError error) =>
        TryDecodeTokens(SipHeaderKind.ProxyRequire, allowEmpty: false, ref Typed.ProxyRequire, out values, out error);

    /// <summary>Reads <see cref="Supported"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="values">Every value in order, empty when the header is absent; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.Supported"/> and where its value starts.</param>
    /// <returns>False when a value is malformed.</returns>
    public bool TryGetSupported([NotNullWhen(true)] out IReadOnlyList<string>? values, out SipParseError error) =>
        TryDecodeTokens(SipHeaderKind.Supported, allowEmpty: true, ref Typed.Supported, out values, out error);

    /// <summary>Reads <see cref="Unsupported"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="values">Every value in order, empty when the header is absent; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.Unsupported"/> and where its value starts.</param>
    /// <returns>False when a value is malformed.</returns>
    public bool TryGetUnsupported([NotNullWhen(true)] out IReadOnlyList<string>? values, out SipParseError error) =>
        TryDecodeTokens(SipHeaderKind.Unsupported, allowEmpty: false, ref Typed.Unsupported, out values, out error);

    /// <summary>Reads <see cref="Allow"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="values">Every value in order, empty when the header is absent; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.Allow"/> and where its value starts.</param>
    /// <returns>False when a value is malformed.</returns>
    public bool TryGetAllow([NotNullWhen(true)] out IReadOnlyList<string>? values, out SipParseError error) =>
        TryDecodeTokens(SipHeaderKind.Allow, allowEmpty: true, ref Typed.Allow, out values, out error);

    /// <summary>Reads <see cref="Event"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header's value, or null when it is absent or malformed.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.Event"/> and where its value starts.</param>
    /// <returns>False when the header is malformed, or repeated with a different value.</returns>
    public bool TryGetEvent(out EventHeader? value, out SipParseError error) =>
        TryDecodeSingle(SipHeaderKind.Event, EventHeader.TryParse, ref Typed.Event, out value, out error);

    /// <summary>Reads <see cref="SubscriptionState"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header's value, or null when it is absent or malformed.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.SubscriptionState"/> and where its value starts.</param>
    /// <returns>False when the header is malformed, or repeated with a different value.</returns>
    public bool TryGetSubscriptionState(out SubscriptionStateHeader? value, out SipParseError error) =>
        TryDecodeSingle(SipHeaderKind.SubscriptionState, SubscriptionStateHeader.TryParse, ref Typed.SubscriptionState, out value, out error);

    /// <summary>Reads <see cref="ReferTo"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header's value, or null when it is absent or malformed.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.ReferTo"/> and where its value starts.</param>
    /// <returns>False when the header is malformed, or repeated with a different value.</returns>
    public bool TryGetReferTo(out ReferToHeader? value, out SipParseError error) =>
        TryDecodeSingle(SipHeaderKind.ReferTo, ReferToHeader.TryParse, ref Typed.ReferTo, out value, out error);

    /// <summary>Reads <see cref="ReferredBy"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header's value, or null when it is absent or malformed.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.ReferredBy"/> and where its value starts.</param>
    /// <returns>False when the header is malformed, or repeated with a different value.</returns>
    public bool TryGetReferredBy(out ReferredByHeader? value, out SipParseError error) =>
        TryDecodeSingle(SipHeaderKind.ReferredBy, ReferredByHeader.TryParse, ref Typed.ReferredBy, out value, out error);

    /// <summary>Reads <see cref="Replaces"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header's value, or null when it is absent or malformed.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.Replaces"/> and where its value starts.</param>
    /// <returns>False when the header is malformed or repeated (RFC 3891 §3).</returns>
    public bool TryGetReplaces(out ReplacesHeader? value, out SipParseError error)
    {
        if (!TryDecodeSingle(SipHeaderKind.Replaces, ReplacesHeader.TryParse, ref Typed.Replaces, out value, out error))
        {
            return false;
        }

        // RFC 3891 §3: more than one Replaces is refused 400, even when they repeat one value, which RFC 3261 §7.3.1
        // lets other single headers do.
        int first = IndexOfHeader(SipHeaderKind.Replaces);
        int second = first < 0 ? -1 : IndexOfHeader(SipHeaderKind.Replaces, first + 1);
        if (second >= 0)
        {
            value = null;
            error = new SipParseError(SipRejectReason.DuplicateHeader, SipHeaderKind.Replaces, Entry(second).NameStart);
            return false;
        }

        return true;
    }

    /// <summary>Reads <see cref="RSeq"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header's value, or null when it is absent or malformed.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.RSeq"/> and where its value starts.</param>
    /// <returns>False when the header is malformed, or repeated with a different value.</returns>
    public bool TryGetRSeq(out uint? value, out SipParseError error) =>
        TryDecodeNumber(SipHeaderKind.RSeq, SipNumbers.TryParseRSeq, ref Typed.RSeq, ref Typed.RSeqDecoded, out value, out error);

    /// <summary>Reads <see cref="RAck"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header's value, or null when it is absent or malformed.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.RAck"/> and where its value starts.</param>
    /// <returns>False when the header is malformed, or repeated with a different value.</returns>
    public bool TryGetRAck(out RAckHeader? value, out SipParseError error) =>
        TryDecodeSingle(SipHeaderKind.RAck, RAckHeader.TryParse, ref Typed.RAck, out value, out error);

    /// <summary>Reads <see cref="SessionExpires"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header's value, or null when it is absent or malformed.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.SessionExpires"/> and where its value starts.</param>
    /// <returns>False when the header is malformed, or repeated with a different value.</returns>
    public bool TryGetSessionExpires(out SessionExpiresHeader? value, out SipParseError error) =>
        TryDecodeSingle(SipHeaderKind.SessionExpires, SessionExpiresHeader.TryParse, ref Typed.SessionExpires, out value, out error);

    /// <summary>Reads <see cref="MinSE"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header's value, or null when it is absent or malformed.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.MinSE"/> and where its value starts.</param>
    /// <returns>False when the header is malformed, or repeated with a different value.</returns>
    public bool TryGetMinSE(out uint? value, out SipParseError error) =>
        TryDecodeNumber(SipHeaderKind.MinSE, SipNumbers.TryParseMinSE, ref Typed.MinSE, ref Typed.MinSEDecoded, out value, out error);

    /// <summary>Reads <see cref="Reason"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="values">Every value in order, empty when the header is absent; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.Reason"/> and where its value starts.</param>
    /// <returns>False when a value is malformed.</returns>
    public bool TryGetReason([NotNullWhen(true)] out IReadOnlyList<ReasonHeader>? values, out SipParseError error) =>
        TryDecodeList(SipHeaderKind.Reason, ReasonHeader.TryParse, ref Typed.Reason, out values, out error);

    /// <summary>Reads <see cref="RetryAfter"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="value">The header's value, or null when it is absent or malformed.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.RetryAfter"/> and where its value starts.</param>
    /// <returns>False when the header is malformed, or repeated with a different value.</returns>
    public bool TryGetRetryAfter(out RetryAfterHeader? value, out SipParseError error) =>
        TryDecodeSingle(SipHeaderKind.RetryAfter, RetryAfterHeader.TryParse, ref Typed.RetryAfter, out value, out error);

    /// <summary>Reads <see cref="WwwAuthenticate"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="values">Every WWW-Authenticate challenge, one per row, empty when absent; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.WwwAuthenticate"/> and where its value starts.</param>
    /// <returns>False when a row is malformed.</returns>
    public bool TryGetWwwAuthenticate([NotNullWhen(true)] out IReadOnlyList<AuthHeader>? values, out SipParseError error) =>
        TryGetAuth(SipHeaderKind.WwwAuthenticate, out values, out error);

    /// <summary>Reads <see cref="ProxyAuthenticate"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="values">Every Proxy-Authenticate challenge, one per row, empty when absent; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.ProxyAuthenticate"/> and where its value starts.</param>
    /// <returns>False when a row is malformed.</returns>
    public bool TryGetProxyAuthenticate([NotNullWhen(true)] out IReadOnlyList<AuthHeader>? values, out SipParseError error) =>
        TryGetAuth(SipHeaderKind.ProxyAuthenticate, out values, out error);

    /// <summary>Reads <see cref="Authorization"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="values">Every Authorization credential, one per row, empty when absent; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.Authorization"/> and where its value starts.</param>
    /// <returns>False when a row is malformed.</returns>
    public bool TryGetAuthorization([NotNullWhen(true)] out IReadOnlyList<AuthHeader>? values, out SipParseError error) =>
        TryGetAuth(SipHeaderKind.Authorization, out values, out error);

    /// <summary>Reads <see cref="ProxyAuthorization"/>, reporting a malformed header instead of throwing.</summary>
    /// <param name="values">Every Proxy-Authorization credential, one per row, empty when absent; null when false.</param>
    /// <param name="error">When false, the fault: its reason, <see cref="SipHeaderKind.ProxyAuthorization"/> and where its value starts.</param>
    /// <returns>False when a row is malformed.</returns>
    public bool TryGetProxyAuthorization([NotNullWhen(true)] out IReadOnlyList<AuthHeader>? values, out SipParseError error) =>
        TryGetAuth(SipHeaderKind.ProxyAuthorization, out values, out error);

    internal bool TryGetAuth(SipHeaderKind kind, [NotNullWhen(true)] out IReadOnlyList<AuthHeader>? values, out SipParseError error)
    {
        TypedHeaders typed = Typed;
        ref IReadOnlyList<AuthHeader>? cache = ref kind == SipHeaderKind.WwwAuthenticate ? ref typed.WwwAuthenticate
            : ref kind == SipHeaderKind.ProxyAuthenticate ? ref typed.ProxyAuthenticate
            : ref kind == SipHeaderKind.Authorization ? ref typed.Authorization
            : ref typed.ProxyAuthorization;

        // Not split on commas: the parameters of one challenge or credentials are comma-separated (RFC 3261 §20.7).
        return TryDecodeList(kind, AuthHeader.TryParse, split: false, ref cache, out values, out error);
    }

    /// <summary>Decodes a header that may not be absent, whose value is a <see cref="NameAddress"/>.</summary>
    private bool TryDecodeRequired(
        SipHeaderKind kind, ref NameAddress? cache, [NotNullWhen(true)] out NameAddress? value, out SipParseError error)
    {
        if (!TryDecodeSingle(kind, NameAddress.TryParse, ref cache, out value, out error))
        {
            return false;
        }

        if (value is null)
        {
            error = new SipParseError(SipRejectReason.MissingHeader, kind);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Decodes a header that may appear once (RFC 3261 §7.3.1). Repeats with the same value are harmless; a repeat
    /// with another value is <see cref="SipRejectReason.DuplicateHeader"/>. Absent gives true and null.
    /// </summary>
    private bool TryDecodeSingle<T>(SipHeaderKind kind, ElementParser<T> parser, ref T? cache, out T? value, out SipParseError error)
        where T : class
    {
        error = default;
        value = Volatile.Read(ref cache);
        if (value is not null)
        {
            return true;
        }

        int index = IndexOfHeader(kind);
        if (index < 0)
        {
            return true;
        }

        char[] text = RentValueChars(index, out int length);
        bool parsedOk = parser(text.AsSpan(0, length), out T? parsed, out SipRejectReason reason);
        ArrayPool<char>.Shared.Return(text);
        if (!parsedOk)
        {
            error = Fault(reason, index);
            return false;
        }

        if (!TryCheckRepeats(kind, index, out error))
        {
            return false;
        }

        value = Publish(ref cache, parsed!);
        return true;
    }

    /// <summary>Decodes a single header whose value is a number; absent gives true and null.</summary>
    private bool TryDecodeNumber<T>(
        SipHeaderKind kind, NumberParser<T> parser, ref T? cache, ref bool decoded, out T? value, out SipParseError error)
        where T : struct
    {
        error = default;
        if (Volatile.Read(ref decoded))
        {
            value = cache;
            return true;
        }

        value = null;
        int index = IndexOfHeader(kind);
        if (index >= 0)
        {
            char[] text = RentValueChars(index, out int length);
            bool parsedOk = parser(text.AsSpan(0, length), out T parsed, out SipRejectReason reason);
            ArrayPool<char>.Shared.Return(text);
            if (!parsedOk)
            {
                error = Fault(reason, index);
                return false;
            }

            if (!TryCheckRepeats(kind, index, out error))
            {
                return false;
            }

            value = parsed;
        }

        // Two readers racing here write the same value; the flag is written last, so a reader that sees it set
        // reads the value after it.
        cache = value;
        Volatile.Write(ref decoded, true);
        return true;
    }

    private bool TryCheckRepeats(SipHeaderKind kind, int first, out SipParseError error)
    {
        ReadOnlySpan<byte> firstValue = GetHeaderValueBytes(first);
        for (int i = IndexOfHeader(kind, first + 1); i >= 0; i = IndexOfHeader(kind, i + 1))
        {
            if (!GetHeaderValueBytes(i).SequenceEqual(firstValue))
            {
                error = new SipParseError(SipRejectReason.DuplicateHeader, kind, Entry(i).NameStart);
                return false;
            }
        }

        error = default;
        return true;
    }

    private bool TryDecodeList<T>(
        SipHeaderKind kind,
        ElementParser<T> parser,
        ref IReadOnlyList<T>? cache,
        [NotNullWhen(true)] out IReadOnlyList<T>? values,
        out SipParseError error)
        where T : class =>
        TryDecodeList(kind, parser, split: true, ref cache, out values, out error);

    /// <summary>
    /// Decodes every row of a list header, each split on top-level commas when <paramref name="split"/>
    /// (RFC 3261 §7.3.1: rows of a list header are equivalent to one comma-separated row).
    /// </summary>
    private bool TryDecodeList<T>(
        SipHeaderKind kind,
        ElementParser<T> parser,
        bool split,
        ref IReadOnlyList<T>? cache,
        [NotNullWhen(true)] out IReadOnlyList<T>? values,
        out SipParseError error)
        where T : class
    {
        error = default;
        values = Volatile.Read(ref cache);
        if (values is not null)
        {
            return true;
        }

        // The values are decoded into pooled characters, not a string per row, and the first element is held
        // without a list: the typical row (one Via, one Contact) costs the decoded object and its array alone.
        T? first = null;
        List<T>? more = null;
        for (int index = IndexOfHeader(kind); index >= 0; index = IndexOfHeader(kind, index + 1))
        {
            char[] rented = RentValueChars(index, out int length);
            bool decoded = TryDecodeRow(rented.AsSpan(0, length), parser, split, ref first, ref more, out SipRejectReason reason);
            ArrayPool<char>.Shared.Return(rented);
            if (!decoded)
            {
                error = Fault(reason, index);
                return false;
            }
        }

        values = Publish(ref cache, first is null ? [] : more is null ? new T[] { first } : more.ToArray());
        return true;
    }

    /// <summary>
    /// Decodes one row of a list header: the whole row when not <paramref name="split"/>, else each element between
    /// top-level commas, the separators checked first (RFC 3261 §7.3.1) so that a bad separator is what is reported.
    /// </summary>
    private static bool TryDecodeRow<T>(
        ReadOnlySpan<char> text, ElementParser<T> parser, bool split, ref T? first, ref List<T>? more, out SipRejectReason reason)
        where T : class
    {
        if (!split)
        {
            if (!parser(text, out T? whole, out reason))
            {
                return false;
            }

            Collect(whole, ref first, ref more);
            return true;
        }

        bool any = false;
        for (int start = 0; ; )
        {
            if (!SipHeaderSplitter.TryFindElementEnd(text, start, out int end, out reason))
            {
                return false;
            }

            Range element = SipHeaderSplitter.Trim(text, start, end);
            any |= element.End.Value > element.Start.Value;
            if (end == text.Length)
            {
                break;
            }

            start = end + 1;
        }

        if (!any)
        {
            // An empty row of a header whose grammar needs at least one value.
            reason = SipRejectReason.MalformedHeader;
            return false;
        }

        for (int start = 0; ; )
        {
            _ = SipHeaderSplitter.TryFindElementEnd(text, start, out int end, out _);
            Range element = SipHeaderSplitter.Trim(text, start, end);
            if (element.End.Value > element.Start.Value)
            {
                if (!parser(text[element], out T? item, out reason))
                {
                    return false;
                }

                Collect(item, ref first, ref more);
            }

            if (end == text.Length)
            {
                reason = default;
                return true;
            }

            start = end + 1;
        }
    }

    private static void Collect<T>(T item, ref T? first, ref List<T>? more)
        where T : class
    {
        if (first is null)
        {
            first = item;
            return;
        }

        (more ??= [first]).Add(item);
    }

    /// <summary>
    /// The value of header line <paramref name="index"/> as <see cref="GetHeaderValue(int)"/> decodes it, into a
    /// pooled array the caller returns: the typed parsers read characters and copy what they keep.
    /// </summary>
    private char[] RentValueChars(int index, out int length)
    {
        ReadOnlySpan<byte> bytes = GetHeaderValueBytes(index);
        char[] rented = ArrayPool<char>.Shared.Rent(Math.Max(Encoding.UTF8.GetMaxCharCount(bytes.Length), 1));
        length = Encoding.UTF8.GetChars(bytes, rented);
        return rented;
    }

    /// <summary>Decodes every row of a token-list header (Require, Supported, Allow ...).</summary>
    private bool TryDecodeTokens(
        SipHeaderKind kind,
        bool allowEmpty,
        ref IReadOnlyList<string>? cache,
        [NotNullWhen(true)] out IReadOnlyList<string>? values,
        out SipParseError error)
    {
        error = default;
        values = Volatile.Read(ref cache);
        if (values is not null)
        {
            return true;
        }

        List<string>? list = null;
        for (int index = IndexOfHeader(kind); index >= 0; index = IndexOfHeader(kind, index + 1))
        {
            list ??= [];
            int before = list.Count;
            if (!TokenListHeader.TryParseTokens(GetHeaderValue(index), list, out SipRejectReason reason))
            {
                error = Fault(reason, index);
                return false;
            }

            if (!allowEmpty && list.Count == before)
            {
                // Require = "Require" HCOLON option-tag *(COMMA option-tag) (RFC 3261 §25.1): at least one.
                error = Fault(SipRejectReason.MalformedHeader, index);
                return false;
            }
        }

        values = Publish(ref cache, list is null ? [] : list.ToArray());
        return true;
    }

    /// <summary>
    /// Publishes a decoded value for every reader: the first reader to decode wins, and one that decoded the same
    /// value at the same time returns the winner's, so every reader of a message sees one instance per header.
    /// </summary>
    private static T Publish<T>(ref T? cache, T decoded)
        where T : class =>
        Interlocked.CompareExchange(ref cache, decoded, null) ?? decoded;

    /// <summary>A fault in the value of header line <paramref name="index"/>, placed at the value's first byte.</summary>
    private SipParseError Fault(SipRejectReason reason, int index)
    {
        ref readonly HeaderEntry entry = ref Entry(index);
        return new SipParseError(
            reason,
            entry.Kind,
            entry.ValueStart,
            entry.Kind == SipHeaderKind.Unknown ? GetHeaderName(index) : null);
    }

    /// <summary>
    /// The decoded headers of one message, allocated on the first typed read so that a message that is only
    /// routed (Call-ID, CSeq, Via branch, tags) carries one null reference for all of them.
    /// </summary>
    private sealed class TypedHeaders
    {
        public NameAddress? From;
        public NameAddress? To;
        public int? MaxForwards;
        public bool MaxForwardsDecoded;
        public IReadOnlyList<ContactHeader>? Contact;
        public IReadOnlyList<NameAddress>? Route;
        public IReadOnlyList<NameAddress>? RecordRoute;
        public ContentTypeHeader? ContentType;
        public uint? Expires;
        public bool ExpiresDecoded;
        public IReadOnlyList<string>? Require;
        public IReadOnlyList<string>? ProxyRequire;
        public IReadOnlyList<string>? Supported;
        public IReadOnlyList<string>? Unsupported;
        public IReadOnlyList<string>? Allow;
        public EventHeader? Event;
        public SubscriptionStateHeader? SubscriptionState;
        public ReferToHeader? ReferTo;
        public ReferredByHeader? ReferredBy;
        public ReplacesHeader? Replaces;
        public uint? RSeq;
        public bool RSeqDecoded;
        public RAckHeader? RAck;
        public SessionExpiresHeader? SessionExpires;
        public uint? MinSE;
        public bool MinSEDecoded;
        public IReadOnlyList<ReasonHeader>? Reason;
        public RetryAfterHeader? RetryAfter;
        public IReadOnlyList<AuthHeader>? WwwAuthenticate;
        public IReadOnlyList<AuthHeader>? ProxyAuthenticate;
        public IReadOnlyList<AuthHeader>? Authorization;
        public IReadOnlyList<AuthHeader>? ProxyAuthorization;
    }
}
