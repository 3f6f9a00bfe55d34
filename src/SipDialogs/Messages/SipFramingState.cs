namespace SipDialogs.Messages;

/// <summary>
/// What <see cref="SipStreamFramer"/> learned of the message pending at the front of a connection's buffer, so the
/// next read does not scan its header block again: how far it searched for the blank line without finding it,
/// and the message's whole length once its header block is known. One per connection; start from default.
/// </summary>
internal struct SipFramingState
{
    /// <summary>Bytes of the pending message already searched for the end of its header block.</summary>
    internal long Scanned;

    /// <summary>The pending message's total length once its header block was read, else 0.</summary>
    internal long MessageLength;

    /// <summary>Forgets the pending message: a new one starts.</summary>
    internal void Reset()
    {
        Scanned = 0;
        MessageLength = 0;
    }
}
