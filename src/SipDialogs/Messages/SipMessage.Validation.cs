namespace SipDialogs.Messages;

/// <content>Full syntax validation: every header the stack has a typed parser for, decoded once.</content>
public abstract partial class SipMessage
{
    /// <summary>
    /// The full check: decodes the Request-URI (of a request) and every header the stack has a typed parser for,
    /// and reports the first fault in message order, without throwing. Run it to refuse a message for any malformed
    /// header the stack knows (before forwarding it, say) or to learn of every such fault without an exception; answer
    /// a request's fault with <see cref="SipParseError.StatusCode"/> (400, RFC 3261 §8.2, §21.4.1) and
    /// <see cref="SipParseError.ReasonPhrase"/>, and drop a response that fails (RFC 3261 §18.1.2). The decoded
    /// values are kept, so the typed accessors cost nothing afterwards and no longer throw.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The stack's own UAS does not run this on every request: it makes the §8.2 checks only over what it reads (the
    /// Request-URI, Via, From, To, Contact, Record-Route, Content-Type, Expires, Require, Supported, and Event,
    /// Subscription-State, Refer-To, Referred-By, Replaces and Session-Expires when present), with the same reasons,
    /// checking in place rather than decoding, so that a request is decoded only as far as it is used. A request it
    /// serves may so carry a malformed header it never reads (a Max-Forwards above 255, say, which RFC 4475 §3.1.2.4
    /// lets a UAS ignore): this check refuses it, and that header's typed accessor throws when it is read.
    /// </para>
    /// <para>
    /// Beyond what <see cref="SipMessageParser"/> checks (start line, header lines, Content-Length, the mandatory
    /// headers, Call-ID, CSeq and its method), this finds, for instance: a To or From whose URI or display name is
    /// malformed (RFC 4475 §3.1.2.6, §3.1.2.14, §3.1.2.15), a Max-Forwards above 255 or an Expires or Contact
    /// expires above 2^32-1 (RFC 4475 §3.1.2.4), empty Via or Contact parameters (RFC 4475 §3.1.2.1), a Contact
    /// URI holding '?' outside angle brackets (RFC 3261 §20.10, RFC 4475 §3.1.2.13), a wildcard Contact among
    /// others (RFC 3261 §20.10), a header that may appear once repeated with another value (RFC 3261 §7.3.1), a
    /// Request-URI carrying URI headers, which RFC 3261 §19.1.1 does not allow there (RFC 4475 §3.1.2.11), and a
    /// request whose top Via branch is the bare magic cookie, which cannot identify a transaction (RFC 4475 §3.2.1).
    /// </para>
    /// <para>
    /// Well-formed requests the UAS still cannot serve are not faults here: the UAS decides those from the typed
    /// values, e.g. 416 for a Request-URI scheme it does not support (<see cref="SipRequest.RequestUri"/>), 420 for
    /// unknown <see cref="Require"/> options, 415 for an unknown <see cref="ContentType"/>, 483 at a proxy for a
    /// <see cref="MaxForwards"/> of 0, 501 for an unknown method (RFC 3261 §8.2.1–§8.2.3, §16.3). Headers the stack
    /// has no parser for (Date, Accept, Warning, unknown headers ...) are not checked: RFC 4475 §3.1.1.1 and
    /// §3.1.2.12 ask that they be passed on or ignored.
    /// </para>
    /// </remarks>
    /// <param name="error">The first fault: reason, header and the byte offset of the header's value (or of the
    /// Request-URI); <see langword="default"/> when the message is valid.</param>
    /// <returns>True when every decoded part is well formed.</returns>
    public bool TryValidate(out SipParseError error) =>
        (this is not SipRequest request || TryValidateRequestUri(request, out error)) &&
        TryFindEarliestFault(asUas: false, out error) &&
        (!IsRequest || TryCheckTopBranch(out error));

    private static bool TryValidateRequestUri(SipRequest request, out SipParseError error)
    {
        if (!request.TryGetRequestUri(out AddrSpec? uri, out error))
        {
            return false;
        }

        // RFC 3261 §19.1.1 (Table 1): URI headers are not allowed in a Request-URI. RFC 4475 §3.1.2.11 lets an element
        // either answer 400 or ignore them; ignoring them would act on a request whose target differs from what the
        // sender wrote, so it is refused.
        if (uri is SipUri sip && sip.Headers.Count > 0)
        {
            error = new SipParseError(SipRejectReason.MalformedRequestUri, Offset: request.RequestUriOffset);
            return false;
        }

        return true;
    }

    private bool TryValidateHeader(SipHeaderKind kind, out SipParseError error)
    {
        switch (kind)
        {
            case SipHeaderKind.Via:
                return TryGetVia(out _, out error);
            case SipHeaderKind.From:
                return TryGetFrom(out _, out error);
            case SipHeaderKind.To:
                return TryGetTo(out _, out error);
            case SipHeaderKind.CSeq:
                return TryGetCSeq(out _, out error);
            case SipHeaderKind.MaxForwards:
                return TryGetMaxForwards(out _, out error);
            case SipHeaderKind.Contact:
                return TryGetContact(out _, out error);
            case SipHeaderKind.Route:
                return TryGetRoute(out _, out error);
            case SipHeaderKind.RecordRoute:
                return TryGetRecordRoute(out _, out error);
            case SipHeaderKind.ContentType:
                return TryGetContentType(out _, out error);
            case SipHeaderKind.Expires:
                return TryGetExpires(out _, out error);
            case SipHeaderKind.Require:
                return TryGetRequire(out _, out error);
            case SipHeaderKind.ProxyRequire:
                return TryGetProxyRequire(out _, out error);
            case SipHeaderKind.Supported:
                return TryGetSupported(out _, out error);
            case SipHeaderKind.Unsupported:
                return TryGetUnsupported(out _, out error);
            case SipHeaderKind.Allow:
                return TryGetAllow(out _, out error);
            case SipHeaderKind.Event:
                return TryGetEvent(out _, out error);
            case SipHeaderKind.SubscriptionState:
                return TryGetSubscriptionState(out _, out error);
            case SipHeaderKind.ReferTo:
                return TryGetReferTo(out _, out error);
            case SipHeaderKind.ReferredBy:
                return TryGetReferredBy(out _, out error);
            case SipHeaderKind.Replaces:
                return TryGetReplaces(out _, out error);
            case SipHeaderKind.RSeq:
                return TryGetRSeq(out _, out error);
            case SipHeaderKind.RAck:
                return TryGetRAck(out _, out error);
            case SipHeaderKind.SessionExpires:
                return TryGetSessionExpires(out _, out error);
            case SipHeaderKind.MinSE:
                return TryGetMinSE(out _, out error);
            case SipHeaderKind.Reason:
                return TryGetReason(out _, out error);
            case SipHeaderKind.RetryAfter:
                return TryGetRetryAfter(out _, out error);
            case SipHeaderKind.WwwAuthenticate:
            case SipHeaderKind.ProxyAuthenticate:
            case SipHeaderKind.Authorization:
            case SipHeaderKind.ProxyAuthorization:
                return TryGetAuth(kind, out _, out error);
            case SipHeaderKind.MinExpires:
            {
                // RFC 3261 §20.23: delta-seconds. Checked, not kept: nothing reads it often enough to cache.
                uint? ignored = null;
                bool decoded = false;
                return TryDecodeNumber(kind, SipNumbers.TryParseDeltaSeconds, ref ignored, ref decoded, out _, out error);
            }

            case SipHeaderKind.AllowEvents:
            {
                // RFC 6665 §8.2.2: one or more event types.
                IReadOnlyList<string>? ignored = null;
                return TryDecodeTokens(kind, allowEmpty: false, ref ignored, out _, out error);
            }

            case SipHeaderKind.ReplyTo:
            {
                // RFC 3261 §20.31: one name-addr or addr-spec.
                NameAddress? ignored = null;
                return TryDecodeSingle(kind, NameAddress.TryParse, ref ignored, out _, out error);
            }

            case SipHeaderKind.Path:
            case SipHeaderKind.ServiceRoute:
            case SipHeaderKind.PAssertedIdentity:
            case SipHeaderKind.PPreferredIdentity:
            {
                // RFC 3327 §4, RFC 3608 §5, RFC 3325 §9: comma-separated addresses.
                IReadOnlyList<NameAddress>? ignored = null;
                return TryDecodeList(kind, NameAddress.TryParse, ref ignored, out _, out error);
            }

            default:
                error = default;
                return true;
        }
    }
}
