package index

// SliceIndex is the statement creating the GIN index of search_pages, for
// the benchmark's bulk load.
const SliceIndex = sliceIndex
