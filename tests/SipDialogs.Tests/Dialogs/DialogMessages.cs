using SipDialogs.Messages;

namespace SipDialogs.Tests.Dialogs;

/// <summary>Small requests and responses between Alice and Bob, for the cases the RFC 3665 flows do not show.</summary>
internal static class DialogMessages
{
    public const string AliceContact = "<sip:alice@client.atlanta.example.com>";
    public const string BobContact = "<sip:bob@client.biloxi.example.com>";

    /// <summary>Alice's INVITE, as sent (and, with Record-Route, as received by Bob).</summary>
    public static SipRequest Invite(
        string callId, string fromTag = "a1", string requestUri = "sip:bob@biloxi.example.com", string? recordRoute = null, uint cseq = 1)
    {
        SipMessageBuilder builder = SipMessageBuilder.Request(SipMethods.Invite, requestUri)
            .Add(SipHeaderKind.Via, "SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK" + callId)
            .Add(SipHeaderKind.MaxForwards, "70");
        if (recordRoute is not null)
        {
            builder.Add(SipHeaderKind.RecordRoute, recordRoute);
        }

        return (SipRequest)builder
            .Add(SipHeaderKind.From, "Alice <sip:alice@atlanta.example.com>;tag=" + fromTag)
            .Add(SipHeaderKind.To, "Bob <sip:bob@biloxi.example.com>")
            .Add(SipHeaderKind.CallId, callId)
            .Add(SipHeaderKind.CSeq, cseq + " INVITE")
            .Add(SipHeaderKind.Contact, AliceContact)
            .Build();
    }

    /// <summary>A response to <paramref name="request"/> with a To tag, and optionally Contact and Record-Route.</summary>
    public static SipResponse Answer(SipRequest request, int status, string toTag, string? contact = BobContact, string? recordRoute = null)
    {
        SipMessageBuilder builder = SipMessageBuilder.ResponseTo(request, status, toTag: toTag);
        if (recordRoute is not null)
        {
            builder.Add(SipHeaderKind.RecordRoute, recordRoute);
        }

        if (contact is not null)
        {
            builder.Add(SipHeaderKind.Contact, contact);
        }

        return (SipResponse)builder.Build();
    }

    /// <summary>A request within a dialog, from the end whose tag is <paramref name="fromTag"/>.</summary>
    public static SipRequest InDialog(string method, uint cseq, string callId, string fromTag, string toTag, string? contact = null)
    {
        SipMessageBuilder builder = SipMessageBuilder.Request(method, "sip:bob@client.biloxi.example.com")
            .Add(SipHeaderKind.Via, "SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK" + method + cseq)
            .Add(SipHeaderKind.MaxForwards, "70")
            .Add(SipHeaderKind.From, "Alice <sip:alice@atlanta.example.com>;tag=" + fromTag)
            .Add(SipHeaderKind.To, "Bob <sip:bob@biloxi.example.com>;tag=" + toTag)
            .Add(SipHeaderKind.CallId, callId)
            .Add(SipHeaderKind.CSeq, cseq + " " + method);
        if (contact is not null)
        {
            builder.Add(SipHeaderKind.Contact, contact);
        }

        return (SipRequest)builder.Build();
    }

    /// <summary>Gives a request built by a dialog the Via the transaction layer would, and parses it.</summary>
    public static SipRequest Sent(SipMessageBuilder builder, string branch = "z9hG4bKsent")
    {
        builder.InsertFirst(SipHeaderKind.Via, "SIP/2.0/TCP host.example.com:5060;branch=" + branch);
        return (SipRequest)builder.Build();
    }
}
