using System.Net;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Redis;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Redis;

/// <summary>A node of a test cluster: a stack on loopback whose dialogs are replicated in the test's Redis.</summary>
internal sealed class ReplicatedNode : IAsyncDisposable
{
    public const string Answer = "v=0\r\no=bob 2808844564 2808844564 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n";

    private ReplicatedNode(SipStack stack, RedisDialogReplication replication, TaskCompletionSource<Dialog> answered)
    {
        Stack = stack;
        Replication = replication;
        AnsweredDialog = answered;
    }

    public SipStack Stack { get; }

    public RedisDialogReplication Replication { get; }

    /// <summary>The first call this node answered.</summary>
    public TaskCompletionSource<Dialog> AnsweredDialog { get; }

    public IPEndPoint Udp => Stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;

    public static RedisReplicationOptions Options(RedisProcess redis, string nodeId) => Options(redis.Configuration, nodeId);

    public static RedisReplicationOptions Options(string configuration, string nodeId) => new()
    {
        Configuration = configuration,
        NodeId = nodeId,
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        HeartbeatTimeToLive = TimeSpan.FromMilliseconds(400),
    };

    public static Task<ReplicatedNode> StartAsync(RedisProcess redis, string nodeId, SipStackOptions? options = null, TimeProvider? time = null) =>
        StartAsync(redis.Configuration, nodeId, options, time);

    public static async Task<ReplicatedNode> StartAsync(string configuration, string nodeId, SipStackOptions? options = null, TimeProvider? time = null)
    {
        var answered = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        RedisDialogReplication replication = await RedisDialogReplication.ConnectAsync(Options(configuration, nodeId));
        var stack = new SipStack(
            options ?? Parties.Options(),
            new IncomingCallUas(async (call, ct) => answered.TrySetResult(await call.AnswerAsync(Answer, cancellationToken: ct))),
            timeProvider: time,
            dialogStore: replication.StoreFactory);
        await stack.StartAsync();
        await replication.StartAsync(stack);
        return new ReplicatedNode(stack, replication, answered);
    }

    /// <summary>Stops the node as a process would stop: its stack, then its replication (whose heartbeat goes).</summary>
    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
        await Replication.DisposeAsync();
    }
}
