using System.Globalization;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// Session timers (RFC 4028): the refresher refreshes the session at half its interval (UPDATE, or re-INVITE when the
/// peer does not take UPDATE), and the other end ends the dialog with BYE when no refresh has come shortly before
/// the session expires (§10), so a dead peer cannot leave a dialog behind.
/// </summary>
internal sealed partial class InviteUsage
{
    internal const int TimerSessionRefresh = 5;
    internal const int TimerSessionExpiry = 6;
    internal const string TimerOption = "timer";

    private uint _sessionInterval;
    private bool _weRefresh;
    private bool _peerSupportsTimer;
    private TimerHandle _sessionTimer;
    private ClientTransaction? _refresh;
    private int _refreshChallenges;
    private long _sessionRefreshedAtMs;

    /// <summary>When the session was last refreshed (Unix ms on the shard's clock), 0 before: changes with every restart of the session timer.</summary>
    public long SessionRefreshedAtMs => _sessionRefreshedAtMs;

    /// <summary>The negotiated session interval (RFC 4028), or null when the dialog has no session timer.</summary>
    public TimeSpan? SessionInterval
    {
        get
        {
            uint seconds = Volatile.Read(ref _sessionInterval);
            return seconds == 0 ? null : TimeSpan.FromSeconds(seconds);
        }
    }

    /// <summary>Whether this end refreshes the session (RFC 4028 §9, §7.2); false when the peer does or there is no timer.</summary>
    public bool IsSessionRefresher => Volatile.Read(ref _weRefresh) && Volatile.Read(ref _sessionInterval) != 0;

    /// <summary>
    /// Whether a session request asks for too small an interval from a peer that supports timers: it gets 422 with
    /// this end's Min-SE (RFC 4028 §9). A peer that does not support them has its interval raised instead (errata 1687).
    /// </summary>
    public static bool AsksTooShortASession(SipRequest request, SessionTimerOptions options) =>
        options.Enabled && request.TryGetSessionExpires(out SessionExpiresHeader? asked, out _) && asked is not null &&
        asked.DeltaSeconds < MinimumSeconds(options) && Supports(request, TimerOption);

    /// <summary>The 422 for <see cref="AsksTooShortASession"/>.</summary>
    public static SipMessageBuilder IntervalTooSmall(ServerTransaction transaction, SessionTimerOptions options) =>
        transaction.CreateResponse(422).Add(SipHeaderKind.MinSE, MinimumSeconds(options).ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Takes the session a request received asks for (the INVITE that makes the dialog, or a refresh): its
    /// interval, at least this end's minimum, and who refreshes (RFC 4028 §9). On the shard.
    /// </summary>
    /// <param name="dialog">The dialog of this usage.</param>
    /// <param name="request">The request.</param>
    /// <param name="creating">True for the INVITE that makes the dialog, where this end may ask for a timer itself.</param>
    public void TakeSessionRequest(Dialog dialog, SipRequest request, bool creating)
    {
        TakePeerAllow(request, creating);
        if (dialog.AttachedLayer is not { } layer || !layer.SessionTimers.Enabled)
        {
            return;
        }

        uint minimum = MinimumSeconds(layer.SessionTimers);
        bool peerSupports = Supports(request, TimerOption);
        _peerSupportsTimer = peerSupports;
        if (request.TryGetSessionExpires(out SessionExpiresHeader? asked, out _) && asked is not null)
        {
            Volatile.Write(ref _sessionInterval, Math.Max(asked.DeltaSeconds, minimum));
            // "uac" names the sender of the request, "uas" this end; a peer that cannot refresh leaves it to us.
            Volatile.Write(ref _weRefresh, asked.Refresher switch
            {
                SessionExpiresHeader.Uac => !peerSupports,
                SessionExpiresHeader.Uas => true,
                _ => !peerSupports,
            });
        }
        else if (creating)
        {
            // RFC 4028 §9: the UAS may ask for a session timer itself; it refreshes when the peer cannot.
            Volatile.Write(ref _sessionInterval, Math.Max((uint)layer.SessionTimers.Interval.TotalSeconds, minimum));
            Volatile.Write(ref _weRefresh, !peerSupports);
        }
    }

    /// <summary>Takes the session of a 2xx to an INVITE or UPDATE of this end (RFC 4028 §7.2): none when it names none.</summary>
    public void TakeSessionResponse(Dialog dialog, SipResponse response)
    {
        TakePeerAllow(response, creating: false);
        if (dialog.AttachedLayer is not { } layer || !layer.SessionTimers.Enabled)
        {
            return;
        }

        if (response.TryGetSessionExpires(out SessionExpiresHeader? granted, out _) && granted is not null)
        {
            Volatile.Write(ref _sessionInterval, Math.Max(granted.DeltaSeconds, 1u));
            Volatile.Write(ref _weRefresh, granted.Refresher != SessionExpiresHeader.Uas);
        }
        else if (response.CSeqMethod == SipMethods.Invite && _refresh is null)
        {
            Volatile.Write(ref _sessionInterval, 0u); // The peer does not do session timers, and has not been asked to refresh.
        }

        RestartSessionTimer(dialog);
    }

    /// <summary>Session-Expires (and Require: timer when the peer supports it) in a 2xx this end sends to a session request.</summary>
    public void AddSessionHeaders(SipMessageBuilder response)
    {
        if (_sessionInterval == 0)
        {
            return;
        }

        // In a response, "uas" is this end.
        response.Add(SipHeaderKind.SessionExpires, string.Create(CultureInfo.InvariantCulture, $"{_sessionInterval};refresher={(_weRefresh ? "uas" : "uac")}"));
        if (_peerSupportsTimer)
        {
            response.Add(SipHeaderKind.Require, TimerOption);
        }
    }

    /// <summary>Session-Expires and Supported in a request of this end that refreshes the session (RFC 4028 §7.4).</summary>
    public void AddSessionRequestHeaders(Dialog dialog, SipMessageBuilder request)
    {
        if (_sessionInterval == 0 || dialog.AttachedLayer is not { } layer)
        {
            return;
        }

        // In a request, "uac" is this end.
        request.Add(SipHeaderKind.SessionExpires, string.Create(CultureInfo.InvariantCulture, $"{_sessionInterval};refresher={(_weRefresh ? "uac" : "uas")}"))
            .Add(SipHeaderKind.MinSE, MinimumSeconds(layer.SessionTimers).ToString(CultureInfo.InvariantCulture))
            .Add(SipHeaderKind.Supported, TimerOption);
    }

    /// <summary>Starts the session timer again after a refresh: the refresher's at half the interval, the other's before expiry.</summary>
    public void RestartSessionTimer(Dialog dialog)
    {
        Shard shard = dialog.Shard!;
        Stop(shard, ref _sessionTimer);
        uint seconds = _sessionInterval;
        if (seconds == 0 || dialog.State != DialogState.Confirmed)
        {
            return;
        }

        // RFC 4028 §10: the refresher at half the interval; the other end BYEs min(32 s, interval/3) before expiry.
        _sessionRefreshedAtMs = shard.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        dialog.Changed(DialogChange.SessionRefreshed);
        TimeSpan interval = TimeSpan.FromSeconds(seconds);
        _sessionTimer = _weRefresh
            ? shard.Timers.Schedule(interval / 2, dialog, TimerSessionRefresh)
            : shard.Timers.Schedule(interval - TimeSpan.FromSeconds(Math.Min(32, seconds / 3.0)), dialog, TimerSessionExpiry);
    }

    /// <summary>A final response to this end's refresh request. On the shard.</summary>
    private void OnRefreshResponse(Dialog dialog, ClientTransaction transaction, SipResponse response)
    {
        _refresh = null;
        int status = response.StatusCode;
        if (status is >= 200 and < 300 || dialog.State != DialogState.Confirmed)
        {
            return; // A 2xx restarted the timer; a 408 or 481 ended the dialog (RFC 4028 §10).
        }

        if (status is 401 or 407 && dialog.TryResendWithCredentials(transaction, response, _refreshChallenges, dialog, out ClientTransaction? retry))
        {
            _refreshChallenges++; // RFC 3261 §22.2: the same refresh again, with the dialog's credentials and the next CSeq.
            _refresh = retry;
            return;
        }

        if (status is 405 or 501 && transaction.Request.Method == SipMethods.Update)
        {
            // The peer does not take UPDATE: refresh by re-INVITE with the current description (RFC 4028 §7.4).
            string? body = _localBody is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;
            if (_offer is null)
            {
                _ = StartOffer(dialog, SipMethods.Invite, body, _localBodyType ?? "application/sdp");
                return;
            }
        }

        dialog.HangUp(DialogEndReason.SessionExpired); // The session cannot be refreshed: end it rather than let it linger.
    }

    private void OnSessionTimer(Dialog dialog, int timer)
    {
        _sessionTimer = default;
        if (dialog.State != DialogState.Confirmed)
        {
            return;
        }

        if (timer == TimerSessionExpiry)
        {
            dialog.HangUp(DialogEndReason.SessionExpired); // RFC 4028 §10: no refresh came.
            return;
        }

        if (_offer is not null || _refresh is not null)
        {
            RestartSessionTimer(dialog); // An offer in flight refreshes the session when it succeeds.
            return;
        }

        if (!_peerAllowsUpdate)
        {
            // RFC 4028 §7.4: UPDATE only towards a peer whose Allow lists it; otherwise a re-INVITE with the current
            // description, which refreshes the session when it succeeds.
            _ = StartOffer(dialog, SipMethods.Invite, _localBody is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null, _localBodyType ?? "application/sdp");
            return;
        }

        SipMessageBuilder update = dialog.CreateRequest(SipMethods.Update);
        AddSessionRequestHeaders(dialog, update);
        try
        {
            _refreshChallenges = 0;
            _refresh = dialog.StartRequest(update, dialog);
        }
        catch (SipTransportException)
        {
            dialog.HangUp(DialogEndReason.SessionExpired);
        }
    }

    /// <summary>
    /// Notes whether the peer takes UPDATE, from the Allow of its dialog-making request, a target refresh or a 2xx
    /// (RFC 3311 §5.1); a message without Allow leaves what was known, and a dialog made without one assumes not.
    /// </summary>
    private void TakePeerAllow(SipMessage message, bool creating)
    {
        if (message.IndexOfHeader(SipHeaderKind.Allow) < 0)
        {
            _peerAllowsUpdate &= !creating;
            return;
        }

        bool allows = false;
        if (message.TryGetAllow(out IReadOnlyList<string>? methods, out _))
        {
            foreach (string method in methods)
            {
                if (string.Equals(method, SipMethods.Update, StringComparison.OrdinalIgnoreCase))
                {
                    allows = true;
                    break;
                }
            }
        }

        _peerAllowsUpdate = allows;
    }

    private static uint MinimumSeconds(SessionTimerOptions options) => (uint)options.MinimumInterval.TotalSeconds;

    private static bool Supports(SipRequest request, string option)
    {
        if (!request.TryGetSupported(out IReadOnlyList<string>? supported, out _))
        {
            return false;
        }

        foreach (string value in supported)
        {
            if (string.Equals(value, option, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
