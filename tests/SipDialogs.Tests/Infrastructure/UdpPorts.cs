using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>Loopback UDP ports for external peers (SIPp, Kamailio) that must be told their port before they start.</summary>
internal static class UdpPorts
{
    /// <summary>A port that was free a moment ago: the kernel's pick for a socket bound to port 0 and closed.</summary>
    public static int Free()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>
    /// Waits until <paramref name="owner"/> has a UDP socket bound to <paramref name="port"/>, failing at once with its output
    /// when it exits first. The kernel's socket table is read, never probed by binding: a probe that holds the port for an
    /// instant can make the peer's own bind fail.
    /// </summary>
    public static async Task WaitUntilBoundAsync(int port, ExternalProcess owner, TimeSpan timeout)
    {
        await Poll.UntilAsync(
            () => owner.Exited.IsCompleted || IsBound(port),
            timeout,
            $"a UDP socket on port {port.ToString(CultureInfo.InvariantCulture)}").ConfigureAwait(false);
        if (!IsBound(port) && owner.Exited.IsCompleted)
        {
            throw new InvalidOperationException($"the process exited ({owner.Exited.Result.ToString(CultureInfo.InvariantCulture)}) before binding UDP port {port.ToString(CultureInfo.InvariantCulture)}:\n{owner.Output}");
        }
    }

    /// <summary>Whether some socket on this machine is bound to UDP <paramref name="port"/> (IPv4 or IPv6), from /proc/net.</summary>
    public static bool IsBound(int port)
    {
        string suffix = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (string table in (ReadOnlySpan<string>)["/proc/net/udp", "/proc/net/udp6"])
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (string line in File.ReadLines(table).Skip(1))
            {
                // "  sl  local_address rem_address ..." — the local address is the second field, "HEXADDR:HEXPORT".
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 1 && fields[1].EndsWith(suffix, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
