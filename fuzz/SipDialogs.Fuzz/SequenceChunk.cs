using System.Buffers;

namespace SipDialogs.Fuzz;

/// <summary>One read's worth of bytes in a chain, as a pipe hands a stream's bytes to the framer.</summary>
internal sealed class SequenceChunk : ReadOnlySequenceSegment<byte>
{
    /// <summary>Appends <paramref name="memory"/> after <paramref name="previous"/>, if any.</summary>
    /// <param name="memory">The bytes of this read.</param>
    /// <param name="previous">The chunk before it, or null for the first.</param>
    public SequenceChunk(ReadOnlyMemory<byte> memory, SequenceChunk? previous)
    {
        Memory = memory;
        if (previous is not null)
        {
            RunningIndex = previous.RunningIndex + previous.Memory.Length;
            previous.Next = this;
        }
    }
}
