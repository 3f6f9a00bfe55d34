namespace SipDialogs.Redis;

/// <summary>What a <see cref="ReplicationWrite"/> does to a dialog's record.</summary>
internal enum ReplicationWriteKind : byte
{
    /// <summary>The dialog's new state, written while the record is this node's.</summary>
    Write,

    /// <summary>The state captured again after Redis lost it, written unless a newer change is queued.</summary>
    WriteBack,

    /// <summary>Checks the record is still this node's (after this node's heartbeat lapsed).</summary>
    Verify,

    /// <summary>The dialog left this node without ending: its last state, with no owner, for another to claim.</summary>
    Release,

    /// <summary>The dialog ended: its record goes.</summary>
    Delete,

    /// <summary>No change: completes its task once everything queued before it is written (<see cref="RedisDialogReplication.FlushAsync"/>).</summary>
    Barrier,
}
