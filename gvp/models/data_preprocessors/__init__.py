from .token_ids import TokenIdsPreprocessor

__all__ = ['TokenIdsPreprocessor']
