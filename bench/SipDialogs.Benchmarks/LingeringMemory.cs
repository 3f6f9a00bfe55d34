using System.Globalization;
using System.Net;
using System.Text;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Benchmarks;

/// <summary>
/// Managed memory retained per lingering transaction (the time after its final response it waits out): fills one
/// shard with N transactions that have their final response, reads <see cref="GC.GetTotalMemory(bool)"/> before and
/// after, and prints the difference per transaction. Server: an INVITE answered 200 (Accepted, Timer L), an INVITE
/// answered 486 (Completed, Timers G and H) and a BYE answered 200 (Completed, Timer J). Client: a BYE answered 200
/// (Completed, Timer K), an INVITE answered 486 (Completed, Timer D, its ACK kept) and an INVITE answered 200
/// (Accepted, Timer M), none with an owner, as a BYE is sent. All over UDP, the INVITE a real one with SDP
/// (Data/invite.sip). Retained bytes are not a time, so this runs outside BenchmarkDotNet:
/// <c>dotnet run -c Release --project bench/SipDialogs.Benchmarks -- lingering [N]</c>.
/// </summary>
internal static class LingeringMemory
{
    private static readonly SipEndPoint s_local = new(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 5060));
    private static readonly SipEndPoint s_peer = new(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 5070));

    public static async Task RunAsync(int count)
    {
        string invite = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "invite.sip")).ReplaceLineEndings("\r\n");
        Console.WriteLine($"Retained managed bytes per lingering server transaction, {count:N0} on one shard:");
        await MeasureAsync("INVITE answered 200 (Accepted)", count, i => Invite(invite, i), 200).ConfigureAwait(false);
        await MeasureAsync("INVITE answered 486 (Completed)", count, i => Invite(invite, i), 486).ConfigureAwait(false);
        await MeasureAsync("BYE answered 200 (Completed)", count, Bye, 200).ConfigureAwait(false);
        Console.WriteLine($"Retained managed bytes per lingering client transaction, {count:N0} on one shard:");
        await MeasureClientAsync("BYE answered 200 (Completed, K)", count, Bye, 200).ConfigureAwait(false);
        await MeasureClientAsync("INVITE answered 486 (Completed, D)", count, i => Invite(invite, i), 486).ConfigureAwait(false);
        await MeasureClientAsync("INVITE answered 200 (Accepted, M)", count, i => Invite(invite, i), 200).ConfigureAwait(false);
    }

    private static async Task MeasureClientAsync(string name, int count, Func<int, byte[]> request, int status)
    {
        var clock = new ManualClock();
        var shards = new ShardSet(new ShardOptions { ShardCount = 1 }, clock);
        var layer = new TransactionLayer(shards, new DroppingTransport(s_local, s_local), new AnsweringUser(status));
        var requests = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            requests[i] = request(i);
        }

        var state = (Layer: layer, Shard: shards[0], Requests: requests, Status: status);
        await shards[0].RunAsync(static s => Call(s.Layer, s.Shard, s.Requests, 0, 1000, s.Status), state).ConfigureAwait(false);
        long before = GC.GetTotalMemory(forceFullCollection: true);
        await shards[0].RunAsync(static s => Call(s.Layer, s.Shard, s.Requests, 1000, s.Requests.Length, s.Status), state).ConfigureAwait(false);
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Report(name, before, after, layer.TransactionCount - 1000, shards[0].TimerCount);
        GC.KeepAlive(requests);
        await shards.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Sends each request on a client transaction and delivers its final response as the transport would: the response
    /// made by the peer (a To tag), parsed from its bytes on arrival.
    /// </summary>
    private static int Call(TransactionLayer layer, Shard shard, byte[][] requests, int from, int to, int status)
    {
        var handler = (IShardMessageHandler<InboundMessage>)layer;
        for (int i = from; i < to; i++)
        {
            _ = SipMessageParser.TryParse(requests[i].AsSpan().ToArray(), out SipMessage? message, out _);
            var sent = (SipRequest)message!;
            layer.StartRequest(sent, s_peer);
            byte[] answer = SipMessageBuilder.ResponseTo(sent, status, toTag: "k2vv7cmx5mbd4xjq").ToArray();
            _ = SipMessageParser.TryParse(answer, out SipMessage? response, out _);
            handler.OnShardMessage(shard, new InboundMessage(response!, s_peer, s_local, 0));
        }

        return to - from;
    }

    private static void Report(string name, long before, long after, int lingering, int timers) =>
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  {name,-34} {(after - before) / (double)lingering,8:F0} B  ({lingering:N0} lingering, {timers:N0} timers)"));

    private static async Task MeasureAsync(string name, int count, Func<int, byte[]> request, int status)
    {
        var clock = new ManualClock();
        var shards = new ShardSet(new ShardOptions { ShardCount = 1 }, clock);
        var user = new AnsweringUser(status);
        var layer = new TransactionLayer(shards, new DroppingTransport(s_local, s_local), user);
        var requests = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            requests[i] = request(i);
        }

        var state = (Layer: (IShardMessageHandler<InboundMessage>)layer, Shard: shards[0], Requests: requests);
        await shards[0].RunAsync(static s => Deliver(s.Layer, s.Shard, s.Requests, 0, 1000), state).ConfigureAwait(false);
        long before = GC.GetTotalMemory(forceFullCollection: true);
        await shards[0].RunAsync(static s => Deliver(s.Layer, s.Shard, s.Requests, 1000, s.Requests.Length), state).ConfigureAwait(false);
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Report(name, before, after, layer.TransactionCount - 1000, shards[0].TimerCount);
        GC.KeepAlive(requests);
        await shards.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Delivers requests as the transport would: each from a copy of its bytes, parsed on arrival.</summary>
    private static int Deliver(IShardMessageHandler<InboundMessage> layer, Shard shard, byte[][] requests, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            _ = SipMessageParser.TryParse(requests[i].AsSpan().ToArray(), out SipMessage? message, out _);
            layer.OnShardMessage(shard, new InboundMessage(message!, s_peer, s_local, 0));
        }

        return to - from;
    }

    private static byte[] Invite(string template, int i) => Encoding.ASCII.GetBytes(template
        .Replace("branch=z9hG4bK-524287-1---a1b2c3d4e5f60718", string.Create(CultureInfo.InvariantCulture, $"branch=z9hG4bK-524287-1---{i:x16}"), StringComparison.Ordinal)
        .Replace("Call-ID: 3a7c8e1f9b2d4c6a8e0f1a3b5c7d9e1f@", string.Create(CultureInfo.InvariantCulture, $"Call-ID: {i:x32}@"), StringComparison.Ordinal));

    private static byte[] Bye(int i)
    {
        string n = i.ToString(CultureInfo.InvariantCulture);
        return Encoding.ASCII.GetBytes(
            "BYE sip:service@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-4242-" + n + "-7\r\n" +
            "From: sipp <sip:sipp@127.0.0.1:5070>;tag=4242SIPpTag00" + n + "\r\nTo: service <sip:service@127.0.0.1:5060>;tag=k2vv7cmx5mbd4xjqzyuw6sd3fa\r\n" +
            "Call-ID: " + n + "-4242@127.0.0.1\r\nCSeq: 2 BYE\r\nContact: sip:sipp@127.0.0.1:5070\r\nMax-Forwards: 70\r\nSubject: Performance Test\r\nContent-Length: 0\r\n\r\n");
    }

    /// <summary>Answers every request at once with <c>status</c>, as a dialog would (its To tag, copied headers).</summary>
    private sealed class AnsweringUser(int status) : QuietTransactionUser
    {
        public override void OnRequest(ServerTransaction transaction)
        {
            string? tag = transaction.Request.ToTag.IsEmpty ? transaction.LocalTag : null;
            transaction.Respond(SipMessageBuilder.ResponseTo(transaction.Request, status, toTag: tag));
        }
    }
}
