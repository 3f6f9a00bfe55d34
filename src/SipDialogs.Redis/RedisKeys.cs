using SipDialogs.Dialogs;

namespace SipDialogs.Redis;

/// <summary>
/// The key names. A dialog's key carries its Call-ID as the hash tag (<c>sipdialogs:{call-id}:d:local-tag:remote-tag</c>)
/// so that every key of one call sits in one Redis Cluster slot; a node's keys carry the node's name as theirs.
/// </summary>
internal static class RedisKeys
{
    private const string DialogPrefix = "sipdialogs:{";
    private const string DialogInfix = "}:d:";

    /// <summary>The set of every node that ever joined (a node leaves it once its calls have been taken over).</summary>
    public const string Nodes = "sipdialogs:nodes";

    /// <summary>One dialog's record: a hash of owner (<c>o</c>), epoch (<c>e</c>) and serialized state (<c>s</c>).</summary>
    public static string Dialog(in DialogId id) => DialogPrefix + id.CallId + DialogInfix + id.LocalTag + ":" + id.RemoteTag;

    /// <summary>A node's heartbeat, alive while the node is.</summary>
    public static string Alive(string node) => "sipdialogs:node:{" + node + "}:alive";

    /// <summary>The keys of the dialogs a node owns, for the survivors that take them over.</summary>
    public static string Owned(string node) => "sipdialogs:node:{" + node + "}:dialogs";

    /// <summary>Where a claimer tells a node that one of its dialogs was taken (the message is the dialog's key).</summary>
    public static string Fence(string node) => "sipdialogs:fence:" + node;

    /// <summary>The dialog a key of <see cref="Dialog"/> names. Tags hold neither <c>}</c> nor <c>:</c> (RFC 3261 §25.1 token).</summary>
    public static bool TryParseDialog(string key, out DialogId id)
    {
        id = default;
        int infix = key.LastIndexOf(DialogInfix, StringComparison.Ordinal);
        if (!key.StartsWith(DialogPrefix, StringComparison.Ordinal) || infix < DialogPrefix.Length)
        {
            return false;
        }

        string tags = key[(infix + DialogInfix.Length)..];
        int colon = tags.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        id = new DialogId(key[DialogPrefix.Length..infix], tags[..colon], tags[(colon + 1)..]);
        return true;
    }
}
