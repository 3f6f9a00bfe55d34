using System.Text;

namespace SipDialogs.Messages;

/// <summary>
/// The request methods the stack knows (RFC 3261 §7.1 and the extensions it implements). Methods are
/// case-sensitive tokens; any other valid token is an extension method and is carried as written.
/// </summary>
public static class SipMethods
{
    /// <summary>INVITE, RFC 3261 §13.</summary>
    public const string Invite = "INVITE";

    /// <summary>ACK, RFC 3261 §13.2.2.4, §17.1.1.3.</summary>
    public const string Ack = "ACK";

    /// <summary>BYE, RFC 3261 §15.</summary>
    public const string Bye = "BYE";

    /// <summary>CANCEL, RFC 3261 §9.</summary>
    public const string Cancel = "CANCEL";

    /// <summary>OPTIONS, RFC 3261 §11.</summary>
    public const string Options = "OPTIONS";

    /// <summary>REGISTER, RFC 3261 §10.</summary>
    public const string Register = "REGISTER";

    /// <summary>PRACK, RFC 3262.</summary>
    public const string Prack = "PRACK";

    /// <summary>SUBSCRIBE, RFC 6665.</summary>
    public const string Subscribe = "SUBSCRIBE";

    /// <summary>NOTIFY, RFC 6665.</summary>
    public const string Notify = "NOTIFY";

    /// <summary>PUBLISH, RFC 3903.</summary>
    public const string Publish = "PUBLISH";

    /// <summary>INFO, RFC 6086.</summary>
    public const string Info = "INFO";

    /// <summary>REFER, RFC 3515.</summary>
    public const string Refer = "REFER";

    /// <summary>MESSAGE, RFC 3428.</summary>
    public const string Message = "MESSAGE";

    /// <summary>UPDATE, RFC 3311.</summary>
    public const string Update = "UPDATE";

    // The one list of known methods: the parser, sipfrag and the typed headers all intern through it. The parser's
    // byte path compares against ASCII copies made once, which is cheaper than comparing bytes with chars.
    private static readonly string[] _known = [Invite, Ack, Bye, Cancel, Options, Register, Prack, Subscribe, Notify, Publish, Info, Refer, Message, Update];
    private static readonly byte[][] _knownBytes = Array.ConvertAll(_known, Encoding.ASCII.GetBytes);

    /// <summary>
    /// The method as a string, without allocating for the known methods (the same instance every time).
    /// Methods are case-sensitive (RFC 3261 §7.1).
    /// </summary>
    /// <param name="method">The method token's bytes, already validated as a token.</param>
    /// <returns>The method name.</returns>
    internal static string Intern(ReadOnlySpan<byte> method)
    {
        byte[][] known = _knownBytes;
        for (int i = 0; i < known.Length; i++)
        {
            if (method.SequenceEqual(known[i]))
            {
                return _known[i];
            }
        }

        return Encoding.ASCII.GetString(method);
    }

    /// <summary>
    /// The method as a string, without allocating for the known methods (the same instance every time).
    /// Methods are case-sensitive (RFC 3261 §7.1).
    /// </summary>
    /// <param name="method">The method token, already validated as a token.</param>
    /// <returns>The method name.</returns>
    internal static string Intern(ReadOnlySpan<char> method)
    {
        foreach (string known in _known)
        {
            if (method.SequenceEqual(known))
            {
                return known;
            }
        }

        return method.ToString();
    }

    /// <summary>Whether <paramref name="method"/> is a valid method token (RFC 3261 §25.1 <c>token</c>).</summary>
    /// <param name="method">The candidate.</param>
    /// <returns>True when every character is a token character and it is not empty.</returns>
    public static bool IsValidMethod(ReadOnlySpan<char> method) => SipGrammar.IsToken(method);
}
