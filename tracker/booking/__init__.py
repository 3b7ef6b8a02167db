"""booking"""
