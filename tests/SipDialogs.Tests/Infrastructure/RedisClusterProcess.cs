using System.Globalization;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>
/// A Redis Cluster of three masters on loopback (<c>redis-server --cluster-enabled yes</c>, joined by
/// <c>redis-cli --cluster create</c>), each stopped by its PID, their cluster files in a temporary folder.
/// </summary>
internal sealed class RedisClusterProcess : IAsyncDisposable
{
    private readonly RedisProcess[] _masters;
    private readonly string _folder;

    private RedisClusterProcess(RedisProcess[] masters, string folder)
    {
        _masters = masters;
        _folder = folder;
    }

    /// <summary>The configuration string a client connects with: every master.</summary>
    public string Configuration => string.Join(',', _masters.Select(m => m.Configuration));

    public static async Task<RedisClusterProcess> StartAsync()
    {
        string folder = Directory.CreateTempSubdirectory("redis-cluster-").FullName;
        var masters = new RedisProcess[3];
        for (int i = 0; i < masters.Length; i++)
        {
            masters[i] = await RedisProcess.StartAsync(
                "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(folder, "nodes-{port}.conf"), "--dir", folder);
        }

        var cluster = new RedisClusterProcess(masters, folder);
        await using ExternalProcess create = ExternalProcess.Start(
            "redis-cli", ["--cluster", "create", .. masters.Select(m => m.Configuration), "--cluster-replicas", "0", "--cluster-yes"]);
        int exit = await create.Exited.WaitAsync(TimeSpan.FromSeconds(60));
        if (exit != 0)
        {
            await cluster.DisposeAsync();
            throw new InvalidOperationException("redis-cli --cluster create failed:\n" + create.Output);
        }

        // Every slot is served once each master has heard of the others.
        foreach (RedisProcess master in masters)
        {
            await Poll.UntilAsync(() => ClusterIsOk(master.Port), TimeSpan.FromSeconds(30), "the cluster's state is ok");
        }

        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (RedisProcess master in _masters)
        {
            await master.DisposeAsync();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best-effort teardown of a temporary folder.
        }
    }

    private static bool ClusterIsOk(int port)
    {
        using var info = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(
            "redis-cli", ["-p", port.ToString(CultureInfo.InvariantCulture), "cluster", "info"]) { RedirectStandardOutput = true })!;
        string output = info.StandardOutput.ReadToEnd();
        info.WaitForExit();
        return output.Contains("cluster_state:ok", StringComparison.Ordinal);
    }
}
