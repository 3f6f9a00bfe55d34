using System.Buffers;

namespace SipDialogs.Transactions;

/// <summary>
/// The transactions of one shard, in three tables by how they are matched. Used only on the shard's thread, except
/// <see cref="Count"/>, which metrics and tests read from anywhere.
/// </summary>
internal sealed class TransactionTable
{
    private readonly Dictionary<byte[], Transaction> _client = new(TransactionKeyComparer.Instance);
    private readonly Dictionary<byte[], Transaction> _server = new(TransactionKeyComparer.Instance);
    private readonly Dictionary<byte[], Transaction> _rfc2543 = new(TransactionKeyComparer.Instance);
    private readonly Dictionary<byte[], Transaction>.AlternateLookup<ReadOnlySpan<byte>> _clientLookup;
    private readonly Dictionary<byte[], Transaction>.AlternateLookup<ReadOnlySpan<byte>> _serverLookup;
    private readonly Dictionary<byte[], Transaction>.AlternateLookup<ReadOnlySpan<byte>> _rfc2543Lookup;
    private int _count;

    public TransactionTable()
    {
        _clientLookup = _client.GetAlternateLookup<ReadOnlySpan<byte>>();
        _serverLookup = _server.GetAlternateLookup<ReadOnlySpan<byte>>();
        _rfc2543Lookup = _rfc2543.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>Live transactions on this shard; readable from any thread.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// A buffer for writing responses before they are copied into the bytes a transaction keeps; shard thread only.
    /// </summary>
    public ArrayBufferWriter<byte> Scratch { get; } = new(1024);

    /// <summary>A client transaction: a <see cref="ClientTransaction"/> before its final response, a <see cref="LingeringClientTransaction"/> after.</summary>
    public Transaction? FindClient(ReadOnlySpan<byte> key) =>
        _clientLookup.TryGetValue(key, out Transaction? transaction) ? transaction : null;

    /// <summary>A server transaction: a <see cref="ServerTransaction"/> before its final response, a <see cref="LingeringServerTransaction"/> after.</summary>
    public Transaction? FindServer(ReadOnlySpan<byte> key) =>
        _serverLookup.TryGetValue(key, out Transaction? transaction) ? transaction : null;

    /// <summary>As <see cref="FindServer"/>, by the RFC 2543 key.</summary>
    public Transaction? FindRfc2543Server(ReadOnlySpan<byte> key) =>
        _rfc2543Lookup.TryGetValue(key, out Transaction? transaction) ? transaction : null;

    /// <summary>Adds a transaction under its key; false when the key is taken.</summary>
    public bool TryAdd(Transaction transaction)
    {
        bool added = transaction switch
        {
            ClientTransaction client => _client.TryAdd(transaction.Key, client),
            ServerTransaction server when transaction.TableKind == TransactionTableKind.Rfc2543Server => _rfc2543.TryAdd(transaction.Key, server),
            ServerTransaction server => _server.TryAdd(transaction.Key, server),
            _ => false,
        };

        if (added)
        {
            Volatile.Write(ref _count, _count + 1);
        }

        return added;
    }

    /// <summary>Removes a transaction, if it is the one under its key.</summary>
    public void Remove(Transaction transaction)
    {
        bool removed = transaction.TableKind switch
        {
            TransactionTableKind.Client => _client.Remove(transaction.Key, out Transaction? client) && Restore(_client, transaction, client),
            TransactionTableKind.Server => _server.Remove(transaction.Key, out Transaction? server) && Restore(_server, transaction, server),
            _ => _rfc2543.Remove(transaction.Key, out Transaction? old) && Restore(_rfc2543, transaction, old),
        };

        if (removed)
        {
            Volatile.Write(ref _count, _count - 1);
        }
    }

    /// <summary>
    /// Puts what lingers after a transaction's final response in its place, under the same key, if it is the one
    /// there (an RFC 2543 request that found its key taken ran untracked, and what lingers after it does too).
    /// </summary>
    public void Replace(Transaction transaction, Transaction lingering)
    {
        Dictionary<byte[], Transaction> table = transaction.TableKind switch
        {
            TransactionTableKind.Client => _client,
            TransactionTableKind.Server => _server,
            _ => _rfc2543,
        };
        ref Transaction entry = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(table, transaction.Key);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry) && ReferenceEquals(entry, transaction))
        {
            entry = lingering;
        }
    }

    /// <summary>Puts back an entry that turned out to be another transaction's; true when it was this one.</summary>
    private static bool Restore<T>(Dictionary<byte[], T> table, Transaction expected, T found)
        where T : Transaction
    {
        if (ReferenceEquals(found, expected))
        {
            return true;
        }

        table[found.Key] = found;
        return false;
    }
}
