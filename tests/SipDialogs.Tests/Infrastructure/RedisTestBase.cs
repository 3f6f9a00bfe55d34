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

    /// <summary>A dialog's record as the nodes wrote it (owner, line feed, epoch, line feed, state), or null when missing.</summary>
    internal DialogRecord? Record(string key)
    {
        byte[]? value = Db.StringGet(key);
        if (value is null)
        {
            return null;
        }

        int first = Array.IndexOf(value, (byte)'\n');
        int second = Array.IndexOf(value, (byte)'\n', first + 1);
        return new DialogRecord(
            System.Text.Encoding.UTF8.GetString(value, 0, first),
            System.Text.Encoding.UTF8.GetString(value, first + 1, second - first - 1),
            global::SipDialogs.Dialogs.DialogSnapshot.Deserialize(value.AsSpan(second + 1)));
    }

    /// <summary>How many dialog records Redis holds.</summary>
    internal int DialogKeys() => ((RedisResult[])Db.Execute("KEYS", "sipdialogs:{*")!).Length;
}
