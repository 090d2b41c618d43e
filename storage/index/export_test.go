package index

// SliceIndex is the statement creating the GIN index of search_pages, for
// the benchmark's bulk load.
const SliceIndex = sliceIndex

// SlicedWords is the expression of the GIN index that searches read.
const SlicedWords = slicedWords
