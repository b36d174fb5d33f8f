// Included before Asio by every header that brings Asio in. Asio's per-thread state
// (thread_info_base: the recycled blocks of coroutine frames and handlers) is sized by
// BOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE, and its non-template code is compiled once, in
// net/asio_impl.cpp (BOOST_ASIO_SEPARATE_COMPILATION): a translation unit built without the
// project's Asio defines would disagree with the others about that layout, which the linker
// does not catch. The defines come from LLMCTL_ASIO_DEFINITIONS (the top-level CMakeLists.txt),
// through llmctl_asio_target().
#pragma once

#if !defined(BOOST_ASIO_SEPARATE_COMPILATION) || !defined(BOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE)
#error "a target that includes Asio needs llmctl_asio_target() (LLMCTL_ASIO_DEFINITIONS)"
#endif
