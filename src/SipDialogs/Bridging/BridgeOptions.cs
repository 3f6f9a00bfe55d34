using SipDialogs.Messages;

namespace SipDialogs.Bridging;

/// <summary>How a <see cref="CallBridge"/> carries a call from one leg to the other.</summary>
public sealed class BridgeOptions
{
    /// <summary>
    /// Headers that must never cross: they name the A leg's transport, dialog or route (topology hiding), or the bridge
    /// writes its own on the B leg (RFC 3261 §8.1.1).
    /// </summary>
    private static readonly string[] s_neverCross =
    [
        "Via", "v", "Contact", "m", "Record-Route", "Route", "Call-ID", "i", "From", "f", "To", "t", "CSeq", "Max-Forwards",
        "Content-Length", "l", "Content-Type", "c", "Allow", "Supported", "k", "Require", "Session-Expires", "x", "Min-SE",
        "Authorization", "Proxy-Authorization", "User-Agent", "Server", "WWW-Authenticate", "Proxy-Authenticate", "RSeq", "RAck",
    ];

    private string[]? _names;
    private string[]? _responseNames;

    /// <summary>
    /// The headers of the caller's INVITE copied into the callee's, by name (case-insensitive), e.g.
    /// <c>P-Asserted-Identity</c>; a name ending in <c>*</c> is a prefix, e.g. <c>X-*</c>. Empty by default: nothing of
    /// the A leg crosses unless named here. Via, Contact, Record-Route, Route, Call-ID, From, To, CSeq, Max-Forwards,
    /// the body's headers, credentials and the session timer's headers never cross (<see cref="Validate"/> refuses
    /// them): the B leg writes its own.
    /// </summary>
    public IList<string> CrossingHeaders { get; } = [];

    /// <summary>
    /// Answers 401 and 407 challenges to the B leg's INVITE and to every later request of its dialog (re-INVITE, UPDATE,
    /// BYE and the rest), as <see cref="Dialogs.InviteOptions.Digest"/> does (RFC 3261 §22.2); null (the default) to take a
    /// challenge as a refusal. The caller's own credentials never cross: these are the bridge's, for its next hop.
    /// </summary>
    public Auth.DigestClient? Digest { get; set; }

    /// <summary>
    /// The headers of the callee's responses (its provisional responses and the 2xx) copied into those the caller gets,
    /// by name as <see cref="CrossingHeaders"/> are, e.g. <c>P-Charging-Vector</c> or <c>X-*</c>. Empty by default; the
    /// same headers never cross (a challenge's, the session timer's and reliability's included). A refusal is the
    /// application's to pass on, so its headers are not copied.
    /// </summary>
    public IList<string> ResponseCrossingHeaders { get; } = [];

    /// <summary>
    /// Routes the target of a blind transfer (RFC 3515, RFC 5589 §6): given the Refer-To URI of a REFER received on either
    /// leg of a bridged call, where the bridge calls it (as it would route a new call), or null to decline the REFER 603.
    /// When set, the bridge is the transferee: it accepts (202), calls the target as a new leg, reports its progress to
    /// the referrer by NOTIFY, and once it answers, bridges it to the remaining leg with a re-INVITE. Null by default:
    /// REFERs are answered as the stack's <see cref="Dialogs.TransferOptions"/> say. Called on the thread pool.
    /// </summary>
    public Func<SipUri, BridgeTarget?>? RouteTransfer { get; set; }

    /// <summary>Checks the options; called by the bridge.</summary>
    /// <exception cref="InvalidOperationException">A crossing header is one that must never cross, or is empty.</exception>
    public void Validate()
    {
        ValidateNames(CrossingHeaders, nameof(CrossingHeaders));
        ValidateNames(ResponseCrossingHeaders, nameof(ResponseCrossingHeaders));
    }

    private static void ValidateNames(IList<string> names, string setting)
    {
        foreach (string name in names)
        {
            string bare = name.TrimEnd('*');
            if (bare.Length == 0)
            {
                throw new InvalidOperationException($"{setting}: '{name}' names no header.");
            }

            foreach (string never in s_neverCross)
            {
                bool hit = name.EndsWith('*')
                    ? never.StartsWith(bare, StringComparison.OrdinalIgnoreCase)
                    : string.Equals(never, name, StringComparison.OrdinalIgnoreCase);
                if (hit)
                {
                    throw new InvalidOperationException($"{setting}: {name} would carry {never} across the bridge, which each leg writes itself.");
                }
            }
        }
    }

    /// <summary>Whether the header named <paramref name="name"/> crosses.</summary>
    internal bool Crosses(string name) => Matches(_names ??= [.. CrossingHeaders], name);

    /// <summary>The crossing headers of a callee's response, or null when none crosses (no allocation then).</summary>
    internal List<KeyValuePair<string, string>>? CrossingOf(SipResponse response)
    {
        if (ResponseCrossingHeaders.Count == 0)
        {
            return null;
        }

        string[] names = _responseNames ??= [.. ResponseCrossingHeaders];
        List<KeyValuePair<string, string>>? headers = null;
        for (int i = 0; i < response.HeaderCount; i++)
        {
            string name = response.GetHeaderName(i);
            if (Matches(names, name))
            {
                (headers ??= []).Add(new KeyValuePair<string, string>(name, response.GetHeaderValue(i)));
            }
        }

        return headers;
    }

    private static bool Matches(string[] names, string name)
    {
        foreach (string pattern in names)
        {
            if (pattern.EndsWith('*')
                ? name.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.OrdinalIgnoreCase)
                : string.Equals(pattern, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Copies the crossing headers of <paramref name="request"/> to <paramref name="headers"/>.</summary>
    internal void CopyCrossing(SipMessage request, IList<KeyValuePair<string, string>> headers)
    {
        if (CrossingHeaders.Count == 0)
        {
            return;
        }

        for (int i = 0; i < request.HeaderCount; i++)
        {
            string name = request.GetHeaderName(i);
            if (Crosses(name))
            {
                headers.Add(new KeyValuePair<string, string>(name, request.GetHeaderValue(i)));
            }
        }
    }
}
