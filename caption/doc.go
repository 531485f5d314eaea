// Package caption is the one-to-many captioner: vocabulary and tokenisation,
// dataset readers (the Shapes world, COCO, Flickr8k/30k, Karpathy's splits),
// and the corpus metrics BLEU-1..4 and CIDEr-D.
package caption
