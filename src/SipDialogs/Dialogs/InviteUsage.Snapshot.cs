using SipDialogs.Runtime;

namespace SipDialogs.Dialogs;

/// <summary>
/// The INVITE usage as a value: its offer/answer state (the last local and remote session descriptions) and its session
/// timer (interval, refresher, when it expires), captured into a <see cref="DialogSnapshot"/> and taken up again from one.
/// </summary>
internal sealed partial class InviteUsage
{
    /// <summary>The last local session description, for a snapshot; empty when none was sent.</summary>
    public ReadOnlyMemory<byte> LocalSessionDescription => _localBody;

    /// <summary>Its type, for a snapshot; empty when there is no description.</summary>
    public string LocalSessionDescriptionType => _localBody is null ? string.Empty : _localBodyType ?? "application/sdp";

    /// <summary>The last remote session description, for a snapshot; empty when none came.</summary>
    public ReadOnlyMemory<byte> RemoteSessionDescription => _remoteBody;

    /// <summary>Its type, for a snapshot; empty when there is no description.</summary>
    public string RemoteSessionDescriptionType => _remoteBody is null ? string.Empty : _remoteBodyType ?? "application/sdp";

    /// <summary>The session interval in seconds, 0 when there is no session timer.</summary>
    public uint SessionIntervalSeconds => _sessionInterval;

    /// <summary>Whether this end refreshes the session, as negotiated (RFC 4028 §9).</summary>
    public bool WeRefresh => _weRefresh;

    /// <summary>Whether the peer supports session timers (RFC 4028 §9).</summary>
    public bool PeerSupportsSessionTimer => _peerSupportsTimer;

    /// <summary>Whether the peer's Allow lists UPDATE, so that a session refresh may use it (RFC 3311, RFC 4028 §7.4).</summary>
    public bool PeerAllowsUpdate => _peerAllowsUpdate;

    /// <summary>When the session expires unless refreshed (RFC 4028 §10), or null without a timer.</summary>
    public DateTimeOffset? SessionExpiresAt => _sessionInterval == 0 || _sessionRefreshedAtMs == 0
        ? null
        : DateTimeOffset.FromUnixTimeMilliseconds(_sessionRefreshedAtMs + _sessionInterval * 1000L);

    /// <summary>The INVITE usage of a snapshot: its session descriptions and session timer as they were.</summary>
    public static InviteUsage FromSnapshot(DialogSnapshot snapshot) => new()
    {
        _localBody = snapshot.LocalSessionDescription.IsEmpty ? null : snapshot.LocalSessionDescription.ToArray(),
        _localBodyType = snapshot.LocalSessionDescription.IsEmpty ? null : snapshot.LocalSessionDescriptionType,
        _remoteBody = snapshot.RemoteSessionDescription.IsEmpty ? null : snapshot.RemoteSessionDescription.ToArray(),
        _remoteBodyType = snapshot.RemoteSessionDescription.IsEmpty ? null : snapshot.RemoteSessionDescriptionType,
        _sessionInterval = snapshot.SessionIntervalSeconds,
        _weRefresh = snapshot.IsSessionRefresher,
        _peerSupportsTimer = snapshot.PeerSupportsSessionTimer,
        _peerAllowsUpdate = snapshot.PeerAllowsUpdate,
        _sessionRefreshedAtMs = snapshot.SessionExpiresAt is { } expires ? expires.ToUnixTimeMilliseconds() - snapshot.SessionIntervalSeconds * 1000L : 0,
    };

    /// <summary>
    /// After the dialog made from the snapshot is attached: the session timer runs on from where it was. On the shard.
    /// </summary>
    public void ResumeFrom(Dialog dialog, DialogSnapshot snapshot, DateTimeOffset now)
    {
        if (_sessionInterval != 0 && snapshot.SessionExpiresAt is { } expires)
        {
            // RFC 4028 §10, from the last refresh: the refresher at half the interval, the other end before expiry.
            TimeSpan interval = TimeSpan.FromSeconds(_sessionInterval);
            TimeSpan due = _weRefresh
                ? expires - interval / 2 - now
                : expires - TimeSpan.FromSeconds(Math.Min(32, _sessionInterval / 3.0)) - now;
            Shard shard = dialog.Shard!;
            _sessionTimer = shard.Timers.Schedule(due > TimeSpan.Zero ? due : TimeSpan.Zero, dialog, _weRefresh ? TimerSessionRefresh : TimerSessionExpiry);
        }
    }
}
