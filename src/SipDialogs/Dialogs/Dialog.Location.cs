using System.Diagnostics.CodeAnalysis;
using SipDialogs.Dns;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// Where the dialog's requests go when the first route or the remote target names a host rather than an address
/// (RFC 3261 §12.2.1.1 sends them there; RFC 3263 §4 finds the server): the name is located by the stack's
/// <see cref="SipServerLocator"/>, never on the shard, and the first address found is kept for that destination.
/// </summary>
public sealed partial class Dialog
{
    /// <summary>The address <see cref="_hopFor"/> was located at; null for a destination that is an address itself.</summary>
    private SipEndPoint? _namedHop;

    /// <summary>The destination (first route or remote target, the same string instance) <see cref="_namedHop"/> is for.</summary>
    private string? _hopFor;

    /// <summary>Whether a lookup started on the shard is under way, so that one at a time runs.</summary>
    private bool _locating;

    /// <summary>The first route, else the remote target: where the next request goes (RFC 3261 §12.2.1.1).</summary>
    private string Destination
    {
        get
        {
            string[] routeSet = Volatile.Read(ref _routeSet);
            return routeSet.Length > 0 ? routeSet[0] : Volatile.Read(ref _remoteTarget);
        }
    }

    /// <summary>
    /// Where a request goes when the destination names a host: the address located for it, or, before the lookup has
    /// answered (the ACK of the 2xx that named it) or when it found nothing, the address the peer's messages came from.
    /// A lookup starts off the shard when none has been made for this destination. On the shard.
    /// </summary>
    private SipEndPoint NamedHop(string destination)
    {
        if (ReferenceEquals(destination, _hopFor) && _namedHop is { } located)
        {
            return located;
        }

        if (!_locating && _layer is { } layer && _shard is { } shard && TryGetNamedUri(destination, out SipUri? uri))
        {
            _locating = true;
            _ = Task.Run(() => LocateInBackgroundAsync(layer.Locator, shard, destination, uri));
        }

        return _peer;
    }

    /// <summary>
    /// Off the shard, before a request of the application is started: when the destination names a host not located
    /// yet, locates it (RFC 3263) and keeps the address on the shard, so that the request goes there.
    /// </summary>
    private async ValueTask LocateDestinationAsync(Runtime.Shard shard, CancellationToken cancellationToken)
    {
        string destination = Destination;
        if (ReferenceEquals(destination, Volatile.Read(ref _hopFor)) || _layer is not { } layer || !TryGetNamedUri(destination, out SipUri? uri))
        {
            return;
        }

        SipLocateResult located = await layer.Locator.LocateAsync(uri, cancellationToken).ConfigureAwait(false);
        if (located.Succeeded && located.Targets.Count > 0)
        {
            await shard.RunAsync(static s => s.dialog.SetNamedHop(s.destination, s.hop), (dialog: this, destination, hop: located.Targets[0]), cancellationToken)
                .ConfigureAwait(false);
        }
    }

    private async Task LocateInBackgroundAsync(SipServerLocator locator, Runtime.Shard shard, string destination, SipUri uri)
    {
        SipEndPoint? hop = null;
        try
        {
            SipLocateResult located = await locator.LocateAsync(uri).ConfigureAwait(false);
            hop = located.Succeeded && located.Targets.Count > 0 ? located.Targets[0] : null;
        }
        finally
        {
            // Dropped only when the stack stops meanwhile: nothing is sent for the dialog then.
            shard.Post(
                static state =>
                {
                    var (dialog, destination, hop) = ((Dialog, string, SipEndPoint?))state!;
                    dialog._locating = false;
                    if (hop is { } found)
                    {
                        dialog.SetNamedHop(destination, found);
                    }
                },
                (this, destination, hop));
        }
    }

    /// <summary>Keeps the address located for <paramref name="destination"/> while it is still the destination. On the shard.</summary>
    private void SetNamedHop(string destination, SipEndPoint hop)
    {
        if (ReferenceEquals(destination, Destination))
        {
            _namedHop = hop;
            Volatile.Write(ref _hopFor, destination);
        }
    }

    /// <summary>The SIP URI of a destination (a URI, or a name-addr around one) whose host is a name.</summary>
    private static bool TryGetNamedUri(string destination, [NotNullWhen(true)] out SipUri? uri)
    {
        uri = null;
        int lt = destination.IndexOf('<', StringComparison.Ordinal);
        int gt = destination.IndexOf('>', StringComparison.Ordinal);
        ReadOnlySpan<char> text = lt >= 0 && gt > lt ? destination.AsSpan(lt + 1, gt - lt - 1) : destination.AsSpan();
        if (AddrSpec.TryParse(text, out AddrSpec? spec, out _) && spec is SipUri { HostKind: SipHostKind.Name } sip && sip.Parameters["maddr"] is null)
        {
            uri = sip;
            return true;
        }

        return false;
    }
}
