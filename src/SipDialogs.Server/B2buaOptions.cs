using System.Net;
using SipDialogs.Auth;
using SipDialogs.Bridging;

namespace SipDialogs.Server;

/// <summary>
/// How <c>serve --mode b2bua</c> routes and guards calls, bound from section <c>SipDialogs:B2bua</c> and overridden by
/// the command line (<c>--next-hop</c> and its credentials, <c>--allow</c>).
/// </summary>
internal sealed class B2buaOptions
{
    /// <summary>The section bound.</summary>
    public const string SectionName = Hosting.SipStackOptions.SectionName + ":B2bua";

    /// <summary>
    /// Where a call no route takes goes (<c>udp:127.0.0.1:5070</c>, or a host name located by RFC 3263 as in
    /// <see cref="B2buaRoute.Targets"/>), or null for none: such calls get 404.
    /// </summary>
    public string? NextHop { get; set; }

    /// <summary>The user name that calls to <see cref="NextHop"/> answer its challenges with (<c>--next-hop-user</c>), or null.</summary>
    public string? NextHopUser { get; set; }

    /// <summary>The password of <see cref="NextHopUser"/> (<c>--next-hop-password</c>); never logged.</summary>
    public string? NextHopPassword { get; set; }

    /// <summary>A file whose first line is the password of <see cref="NextHopUser"/> (<c>--next-hop-password-file</c>).</summary>
    public string? NextHopPasswordFile { get; set; }

    /// <summary>Routes by Request-URI user prefix, each to an ordered list of targets.</summary>
    public IList<B2buaRoute> Routes { get; } = [];

    /// <summary>
    /// The source networks (CIDR, IPv4 or IPv6) that may place calls through the B2BUA; loopback only when empty.
    /// Any other source gets 403 and no B leg is placed: the B2BUA is no open relay.
    /// </summary>
    public IList<string> Allow { get; } = [];

    /// <summary>Headers of the caller's INVITE that cross to the B leg (<see cref="BridgeOptions.CrossingHeaders"/>).</summary>
    public IList<string> CrossingHeaders { get; } = [];

    /// <summary>Headers of the callee's responses that cross to the caller's (<see cref="BridgeOptions.ResponseCrossingHeaders"/>).</summary>
    public IList<string> ResponseCrossingHeaders { get; } = [];

    /// <summary>
    /// Carry out blind transfers of bridged calls (<c>--accept-transfers</c>): a REFER on either leg is accepted, its
    /// target routed as a new call's Request-URI user would be (its route's first target) and bridged to the remaining
    /// leg (<see cref="BridgeOptions.RouteTransfer"/>). Default false: REFER gets 603, as a B2BUA should not call where a
    /// peer tells it to unless it was set up to.
    /// </summary>
    public bool AcceptTransfers { get; set; }

    /// <summary>The networks <see cref="Allow"/> names, parsed; loopback when it names none.</summary>
    /// <exception cref="InvalidOperationException">An entry is not a CIDR.</exception>
    public IReadOnlyList<IPNetwork> GetAllowedNetworks()
    {
        if (Allow.Count == 0)
        {
            return [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];
        }

        var networks = new List<IPNetwork>(Allow.Count);
        foreach (string entry in Allow)
        {
            string text = entry.Contains('/', StringComparison.Ordinal) ? entry
                : entry + (entry.Contains(':', StringComparison.Ordinal) ? "/128" : "/32");
            if (!IPNetwork.TryParse(text, out IPNetwork network))
            {
                throw new InvalidOperationException($"B2bua:Allow (--allow) '{entry}' is not a network, e.g. 192.0.2.0/24 or 2001:db8::/32.");
            }

            networks.Add(network);
        }

        return networks;
    }

    /// <summary>The routing table: the configured routes, and <see cref="NextHop"/> as the route of every other call.</summary>
    /// <exception cref="InvalidOperationException">A target is neither an address nor a host name, or credentials are incomplete.</exception>
    public B2buaRouteTable GetRouteTable()
    {
        var routes = new List<(string Prefix, B2buaDestination Destination)>();
        foreach (B2buaRoute route in Routes)
        {
            string setting = "B2bua:Routes (prefix '" + route.Prefix + "')";
            routes.Add((route.Prefix ?? string.Empty, new B2buaDestination(
                ParseTargets(route.Targets, setting),
                GetBridgeOptions(Credentials(route.User, route.Password, route.PasswordFile, (setting + " User", setting + " Password", setting + " PasswordFile"))))));
        }

        if (NextHop is { Length: > 0 } nextHop)
        {
            routes.Add((string.Empty, new B2buaDestination(
                ParseTargets([nextHop], "B2bua:NextHop (--next-hop)"),
                GetBridgeOptions(Credentials(NextHopUser, NextHopPassword, NextHopPasswordFile, (
                    "B2bua:NextHopUser (--next-hop-user)", "B2bua:NextHopPassword (--next-hop-password)", "B2bua:NextHopPasswordFile (--next-hop-password-file)"))))));
        }
        else if (NextHopUser is not null || NextHopPassword is not null || NextHopPasswordFile is not null)
        {
            throw new InvalidOperationException("--next-hop-user, --next-hop-password and --next-hop-password-file need --next-hop.");
        }

        return new B2buaRouteTable(routes);
    }

    /// <summary>Checks every setting; bad values fail at startup with the setting's name.</summary>
    public void Validate()
    {
        _ = GetAllowedNetworks();
        _ = GetRouteTable();
        GetBridgeOptions().Validate();
        if (Routes.Count == 0 && NextHop is not { Length: > 0 })
        {
            throw new InvalidOperationException("--mode b2bua needs a --next-hop or routes in SipDialogs:B2bua:Routes.");
        }
    }

    /// <summary>What crosses the bridge, and the client answering the B leg's challenges (none when null).</summary>
    public BridgeOptions GetBridgeOptions(DigestClient? digest = null)
    {
        var options = new BridgeOptions { Digest = digest };
        foreach (string name in CrossingHeaders)
        {
            options.CrossingHeaders.Add(name);
        }

        foreach (string name in ResponseCrossingHeaders)
        {
            options.ResponseCrossingHeaders.Add(name);
        }

        return options;
    }

    private static B2buaTarget[] ParseTargets(IList<string> targets, string setting)
    {
        if (targets.Count == 0)
        {
            throw new InvalidOperationException(setting + " has no targets.");
        }

        var parsed = new B2buaTarget[targets.Count];
        for (int i = 0; i < targets.Count; i++)
        {
            if (!B2buaTarget.TryParse(targets[i], out B2buaTarget? target, out string? why))
            {
                throw new InvalidOperationException(
                    $"{setting}: '{targets[i]}' is no target: {why} (e.g. udp:127.0.0.1:5070, udp:sip.example.test:5070 or sip.example.test).");
            }

            parsed[i] = target;
        }

        return parsed;
    }

    private static DigestClient? Credentials(string? user, string? password, string? passwordFile, (string User, string Password, string PasswordFile) names) =>
        ClientCredentials.TryCreate(user, password, passwordFile, names, out DigestClient? digest, out string? error)
            ? digest
            : throw new InvalidOperationException(error);
}
