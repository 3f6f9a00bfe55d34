namespace SipDialogs.Tests.Refer;

/// <summary>What <see cref="RawTransferor"/> keeps of one of its dialogs: the Call-ID, the stack's tag once known, the last CSeq sent.</summary>
internal sealed class RawDialog
{
    public RawDialog(string? callId = null, uint cseq = 0)
    {
        CallId = callId ?? "raw-" + Guid.NewGuid().ToString("N");
        CSeq = cseq;
    }

    public string CallId { get; }

    /// <summary>The stack's tag, from its first 2xx (the To tag of its 202 or 200); null until then.</summary>
    public string? RemoteTag { get; set; }

    /// <summary>The CSeq number of the last request sent (RFC 3261 §12.2.1.1: each new request takes the next).</summary>
    public uint CSeq { get; set; }
}
