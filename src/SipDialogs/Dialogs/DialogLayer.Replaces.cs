using SipDialogs.Messages;
using SipDialogs.Runtime;

namespace SipDialogs.Dialogs;

/// <content>
/// An INVITE outside any dialog that takes the place of one of ours (RFC 3891 §3). Its Replaces header names the
/// dialog as this end sees it, and that dialog's Call-ID usually belongs to another shard than the INVITE's: the
/// lookup runs on the dialog's shard, its outcome comes back to the INVITE's shard by post, and neither waits for the
/// other.
/// </content>
internal sealed partial class DialogLayer
{
    /// <summary>The option tag of Replaces, for Supported and Require (RFC 3891 §6.2).</summary>
    public const string ReplacesOption = "replaces";

    /// <summary>
    /// The extensions a UAS that hands calls to the dialog layer supports, for Supported and the Require check: session
    /// timers (RFC 4028) and Replaces (RFC 3891).
    /// </summary>
    public static IReadOnlyCollection<string> Supported { get; } = [InviteUsage.TimerOption, ReplacesOption];

    /// <summary>The value of Supported in what the dialog layer answers (RFC 3261 §20.37).</summary>
    public const string SupportedHeader = InviteUsage.TimerOption + ", " + ReplacesOption;

    /// <summary>
    /// Holds a new call whose INVITE carries Replaces (RFC 3891 §3) until the dialog it names has been looked for on
    /// that dialog's shard. Back on the call's shard, the call is then either refused (481, 486 or 603, and
    /// <paramref name="proceed"/> is never called) or given its <see cref="IncomingCall.Replaces"/> and passed to
    /// <paramref name="proceed"/>. On the call's shard.
    /// </summary>
    /// <returns>False, with nothing done, when the INVITE has no Replaces: the caller carries on with the call at once.</returns>
    public bool HoldForReplaces<TState>(IncomingCall call, Action<IncomingCall, TState> proceed, TState state) =>
        call.Request.IndexOfHeader(SipHeaderKind.Replaces) >= 0 && Hold(call, proceed, state); // Without Replaces: one look at the index.

    /// <summary>The call was answered: the dialog it replaces ends on its own shard (RFC 3891 §3: BYE, or CANCEL while early).</summary>
    internal static void EndReplaced(Dialog replaced) => Observe(replaced.DisposeAsync().AsTask());

    /// <summary>
    /// The answer RFC 3891 §3 gives a Replaces that names <paramref name="dialog"/> (null when none matched), or 0 when
    /// the new call may take its place. On the dialog's shard, the only place its state may be read.
    /// </summary>
    private static int Refusal(Dialog? dialog, bool earlyOnly) => dialog switch
    {
        null => 481,
        { State: DialogState.Terminated } => 603,
        { State: DialogState.Early, IsUac: false } => 481, // An early dialog this end did not start is left alone.
        { State: DialogState.Confirmed } when earlyOnly => 486,
        _ => 0,
    };

    private bool Hold<TState>(IncomingCall call, Action<IncomingCall, TState> proceed, TState state)
    {
        // UasCore validated the request (RFC 3891 §3: a bad or repeated Replaces got 400), so this decodes nothing.
        if (!call.Request.TryGetReplaces(out ReplacesHeader? replaces, out SipParseError error) || replaces is null)
        {
            call.RejectOnShard(error.StatusCode, error.ReasonPhrase);
            return true;
        }

        // RFC 3891 §3: the to-tag is this end's tag in the dialog, the from-tag its peer's.
        var id = new DialogId(replaces.CallId, replaces.ToTag, replaces.FromTag);
        var lookup = new ReplacesLookup<TState>(this, call, id, replaces.EarlyOnly, proceed, state);
        if (!Shards[Shards.GetShardIndex(id.CallIdHash)].Post(static s => ((ReplacesLookup<TState>)s!).Find(), lookup))
        {
            call.RejectOnShard(503, null); // The stack is stopping.
        }

        return true;
    }

    /// <summary>One Replaces on its way from the INVITE's shard to the replaced dialog's and back.</summary>
    private sealed class ReplacesLookup<TState>(
        DialogLayer layer, IncomingCall call, DialogId id, bool earlyOnly, Action<IncomingCall, TState> proceed, TState state)
    {
        private Dialog? _found;
        private int _refusal;

        /// <summary>On the replaced dialog's shard.</summary>
        public void Find()
        {
            _ = layer.Store.TryGet(id, out _found);
            _refusal = Refusal(_found, earlyOnly);

            // Nothing to do when the INVITE's shard has closed: the stack is stopping, and its calls with it.
            _ = call.Shard.Post(static s => ((ReplacesLookup<TState>)s!).Resume(), this);
        }

        /// <summary>Back on the INVITE's shard.</summary>
        private void Resume()
        {
            if (call.IsAnswered)
            {
                return; // The caller cancelled meanwhile, and has its 487.
            }

            if (_refusal != 0)
            {
                call.RejectOnShard(_refusal, null);
                return;
            }

            call.Replaces = _found;
            proceed(call, state);
        }
    }
}
