using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Redis;

namespace SipDialogs.Server;

/// <summary>
/// serve's <c>--redis</c> and <c>--node-id</c>: the node's dialogs replicated in Redis (<see cref="RedisDialogReplication"/>),
/// so that another node carries its calls on when it dies or leaves. Without <c>--redis</c> the stack keeps its dialogs
/// in memory only.
/// </summary>
internal sealed class ServeReplication : IAsyncDisposable
{
    private readonly RedisReplicationOptions _options;
    private RedisDialogReplication? _replication;

    private ServeReplication(RedisReplicationOptions options) => _options = options;

    /// <summary>The running replication, once the stack has started.</summary>
    public RedisDialogReplication? Replication => _replication;

    /// <summary>The options this adds to serve.</summary>
    public static (Option<string?> Redis, Option<string?> NodeId) CreateOptions() =>
    (
        new Option<string?>("--redis")
        {
            Description = "Replicate confirmed calls in Redis, host:port[,host:port…] (several masters of a Redis Cluster may be named), " +
                "so that another node sharing it carries them on when this one dies or leaves. Off by default: calls live in memory only.",
        },
        new Option<string?>("--node-id")
        {
            Description = "This node's name among the nodes sharing --redis (letters, digits, '-', '_', '.'; default: the host name).",
        });

    /// <summary>The replication the command line asks for, or null without <c>--redis</c>.</summary>
    /// <exception cref="InvalidOperationException">The options are invalid; the message names them.</exception>
    public static ServeReplication? FromCommandLine(string? redis, string? nodeId)
    {
        if (redis is null)
        {
            return nodeId is null ? null : throw new InvalidOperationException("--node-id names a node of a cluster; give --redis too.");
        }

        var options = new RedisReplicationOptions { Configuration = redis };
        if (nodeId is not null)
        {
            options.NodeId = nodeId;
        }

        options.Validate();
        return new ServeReplication(options);
    }

    /// <summary>Adds the replication for <see cref="SipServerService"/> to find.</summary>
    public void Register(IServiceCollection services) => services.AddSingleton(this);

    /// <summary>Connects to Redis (a Redis that is away is joined later) and returns the stack's store.</summary>
    public async Task<DialogStoreFactory> ConnectAsync(ILoggerFactory loggerFactory)
    {
        _replication = await RedisDialogReplication.ConnectAsync(_options, loggerFactory).ConfigureAwait(false);
        return _replication.StoreFactory;
    }

    /// <summary>Joins the cluster with the started stack.</summary>
    public Task StartAsync(SipStack stack, CancellationToken cancellationToken) =>
        _replication?.StartAsync(stack, cancellationToken) ?? Task.CompletedTask;

    /// <summary>Leaves the cluster (after the stack stopped): the heartbeat goes and the survivors take the calls still held.</summary>
    public ValueTask DisposeAsync() => _replication?.DisposeAsync() ?? ValueTask.CompletedTask;
}
