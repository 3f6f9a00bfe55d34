using StackExchange.Redis;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>
/// Tests that need Redis: each test gets its own redis-server (stopped by its PID afterwards) and a client of it that
/// reads what the nodes wrote.
/// </summary>
public abstract class RedisTestBase : IAsyncLifetime
{
    private RedisProcess? _redis;
    private ConnectionMultiplexer? _client;

    internal RedisProcess Redis => _redis ?? throw new InvalidOperationException("Redis starts with the test.");

    internal IDatabase Db => (_client ?? throw new InvalidOperationException("Redis starts with the test.")).GetDatabase();

    public async Task InitializeAsync()
    {
        _redis = await RedisProcess.StartAsync();
        _client = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration + ",abortConnect=false,allowAdmin=true");
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    /// <summary>How many dialog records Redis holds.</summary>
    internal int DialogKeys() => ((RedisResult[])Db.Execute("KEYS", "sipdialogs:{*")!).Length;
}
