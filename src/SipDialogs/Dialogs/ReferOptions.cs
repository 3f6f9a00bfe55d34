using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>What a REFER sent by <see cref="Dialogs.Dialog.ReferAsync(string, ReferOptions?, CancellationToken)"/> or <see cref="Hosting.SipStack.ReferAsync"/> carries besides Refer-To.</summary>
public sealed class ReferOptions
{
    /// <summary>
    /// The Referred-By value (RFC 3892), a name-addr; the dialog's local URI (or, outside a dialog, the From) when null;
    /// none when empty.
    /// </summary>
    public string? ReferredBy { get; set; }

    /// <summary>
    /// Ask for the implicit subscription (default true). When false the REFER carries <c>Refer-Sub: false</c> (RFC 4488):
    /// the transferee sends no NOTIFY, and the transfer's outcome is <see cref="TransferResult.Unknown"/> once accepted.
    /// </summary>
    public bool Subscribe { get; set; } = true;

    /// <summary>The From of a REFER sent outside a dialog, a name-addr; the stack's own URI when null.</summary>
    public string? From { get; set; }

    /// <summary>Where a REFER sent outside a dialog goes first, when not the target's own address.</summary>
    public SipEndPoint? NextHop { get; set; }

    /// <summary>Headers added as they are (name, value), e.g. <c>Target-Dialog</c> (RFC 4538).</summary>
    public IList<KeyValuePair<string, string>> Headers { get; } = [];
}
